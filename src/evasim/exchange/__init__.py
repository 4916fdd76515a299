"""Exchange formats: a replay out to the tools people who use orbit data work in.

* :mod:`.czml` -- CZML for CesiumJS and the station's glTF in Cesium's axes.
* :mod:`.globe` -- the offline 3-D globe page (CesiumJS from npm) and its routes.
* :mod:`.ndm_xml` -- OEM and AEM in NDM/XML (the KVN forms are :mod:`evasim.ccsds`).
* :mod:`.openmct` -- the timeline as an Open MCT Plan, telemetry as historical data.
* :mod:`.notebook` -- a replay's rich display in Jupyter.

Element sets in OMM (KVN, XML, JSON, CSV) are read by :mod:`evasim.sky.omm` (an input, so a
model module may use it). See docs/exchange.md.
"""
