"""Exchange formats: a replay out to the tools people who use orbit data live in.

* :mod:`.czml` -- CZML for CesiumJS (station position, orientation, model, crew, path, day and
  night, hatch and task intervals) and the station's glTF in Cesium's axis convention.

See docs/exchange.md.
"""
