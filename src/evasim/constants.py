"""Physical constants: the one place for every number that describes the Earth, the Sun or
gravity. Models and products import them from here; no module keeps its own copy.

Units are in the names (km, s, rad). Sources:

* WGS84: NGA.STND.0036 (2014), *Department of Defense World Geodetic System 1984*, table 3.1:
  semi-major axis, inverse flattening, GM (with atmosphere). The Earth of evasim is this
  ellipsoid: orbit geodesy (``sky.orbit``), the shadow (``sky.lighting``) and the rendered
  ground (``render.shading``).
* J2: EGM2008 unnormalised C20 (the value the WGS84 document tabulates), for the J2 nodal
  precession in ``station.whatif``.
* Sun: IAU 2015 Resolution B3 nominal solar radius; IAU 2012 Resolution B2 astronomical unit.
* Mean Earth radius: IUGG R1 = (2a + b) / 3 of WGS84 (Moritz, *Geodetic Reference System 1980*),
  for the few places that need a sphere (the renderer's airglow shell, spherical-Earth
  formulas in tests); each such use says so.
* Tropical year: Meeus (J2000 mean), for the Sun-synchronous rate in ``station.whatif``.
* Standard gravity: CGPM 1901 (definition), for rocket-equation propellant use.
* Earth rotation rate: WGS84 (NGA.STND.0036, table 3.1), for the geostationary radius of the
  relay satellites in ``sky.comm``.
* Sunlight in photometric and camera-band terms (the helmet camera's radiance unit, see
  ``render.exposure``): the solar illuminance constant and the Sun's irradiance in three 100 nm
  bands, read off the ASTM E-490 zero-air-mass spectrum.
"""

from __future__ import annotations

WGS84_A_KM = 6378.137
"""WGS84 semi-major (equatorial) axis, km."""
WGS84_F = 1.0 / 298.257223563
"""WGS84 flattening."""
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
"""WGS84 semi-minor (polar) axis, km (6356.752 km)."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""WGS84 first eccentricity squared."""
EARTH_MEAN_RADIUS_KM = (2.0 * WGS84_A_KM + WGS84_B_KM) / 3.0
"""IUGG mean radius R1 of the WGS84 ellipsoid, km (6371.009 km)."""

GM_EARTH_KM3_S2 = 398600.4418
"""WGS84 geocentric gravitational constant (atmosphere included), km^3/s^2."""
EARTH_ROTATION_RAD_S = 7.292115e-5
"""WGS84 nominal mean angular velocity of the Earth, rad/s."""
GEOSTATIONARY_RADIUS_KM = (GM_EARTH_KM3_S2 / EARTH_ROTATION_RAD_S**2) ** (1.0 / 3.0)
"""Radius of the geostationary orbit, km (42,164.2 km): the circular orbit whose period is one
sidereal rotation (two-body, from the two WGS84 figures above)."""
J2_EARTH = 1.08262668e-3
"""Earth's second zonal harmonic (unnormalised, EGM2008 / WGS84)."""

SUN_RADIUS_KM = 695_700.0
"""IAU 2015 nominal solar radius, km."""
AU_KM = 149_597_870.7
"""Astronomical unit (IAU 2012), km."""
SUN_ANGULAR_RADIUS_AT_1AU_RAD = SUN_RADIUS_KM / AU_KM
"""Angular radius of the Sun's disc at 1 au, rad (4.650e-3; 1.7 % larger in January)."""

TROPICAL_YEAR_D = 365.2421897
"""Mean tropical year at J2000, days (Meeus, *Astronomical Algorithms*, ch. 27): the period a
Sun-synchronous orbit's node must follow."""

STANDARD_GRAVITY_M_S2 = 9.80665
"""Standard acceleration of gravity g0, m/s^2 (exact, by definition)."""

SOLAR_ILLUMINANCE_LX = 128_000.0
"""Solar illuminance constant, lux: the Sun's illuminance at 1 au outside the atmosphere (IES
/ CIE usage, 128 klx; Darula, Kittler and Gueymard 2005 propose 133.3 klx: the two differ by
4 %, confidence M). The renderer's radiance unit (the Sun's irradiance = 1, per sr) is this
many cd/m^2 of luminance."""
SOLAR_BAND_IRRADIANCE_W_M2 = (160.0, 186.0, 195.0)
"""The Sun's irradiance at 1 au in the bands 600-700, 500-600 and 400-500 nm (the helmet
camera's red, green and blue channels), W/m^2: the ASTM E-490 AM0 spectrum's mean spectral
irradiance over each band (about 1.60, 1.86, 1.95 W/m^2/nm) times 100 nm; confidence est
(+/- 5 %, read off the published curve at 50 nm steps)."""
