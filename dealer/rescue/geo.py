"""Coordinates at the edges: WGS-84 inside, GCJ-02 (AMap/高德, Tencent) or BD-09 (Baidu) outside.

A phone's GPS gives WGS-84; maps and navigation apps in China show and take GCJ-02 ("Mars coordinates",
offset by a few hundred metres by law) or Baidu's BD-09. Everything stored is WGS-84; the conversion is
prcoords' (a maintained library), never a formula of ours. Distances are great-circle (haversine).
"""
from __future__ import annotations

import math
from urllib.parse import quote

import prcoords

WGS84 = "wgs84"   # GPS, the crew phone's geolocation
GCJ02 = "gcj02"   # AMap/高德, Tencent maps: what the dispatcher copies from the map
BD09 = "bd09"     # Baidu maps
SYSTEMS = (GCJ02, WGS84, BD09)
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def in_range(latitude: float | None, longitude: float | None) -> bool:
    """Tell whether both are given, finite and within the globe's degrees."""
    if latitude is None or longitude is None:
        return False
    return (math.isfinite(latitude) and math.isfinite(longitude) and -90 <= latitude <= 90
            and -180 <= longitude <= 180)


def to_wgs84(latitude: float, longitude: float, system: str) -> tuple[float, float]:
    """Return (latitude, longitude) in WGS-84 of a point given in `system` (outside China: unchanged)."""
    point = prcoords.Coords(latitude, longitude)
    if system in (GCJ02, BD09) and not prcoords.sanity_in_china_p(point):
        return latitude, longitude  # only China's maps are offset (prcoords' iterative inverse would move it)
    if system == GCJ02:
        point = prcoords.gcj_wgs_bored(point)  # the iterative inverse: centimetres, not the 1-2 m of one step
    elif system == BD09:
        point = prcoords.bd_wgs_bored(point)
    elif system != WGS84:
        raise ValueError(f"unknown coordinate system {system!r}")
    return point.lat, point.lon


def from_wgs84(latitude: float, longitude: float, system: str) -> tuple[float, float]:
    """Return the point in `system`, for a map or a navigation app (AMap wants GCJ-02, Baidu BD-09)."""
    point = prcoords.Coords(latitude, longitude)
    if system in (GCJ02, BD09) and not prcoords.sanity_in_china_p(point):
        return latitude, longitude
    if system == GCJ02:
        point = prcoords.wgs_gcj(point)
    elif system == BD09:
        point = prcoords.wgs_bd(point)
    elif system != WGS84:
        raise ValueError(f"unknown coordinate system {system!r}")
    return point.lat, point.lon


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Return the great-circle distance between two WGS-84 points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def navigation_links(latitude: float, longitude: float, name: str) -> dict[str, str]:
    """The phone's map apps opened at the destination: AMap in GCJ-02, Baidu in BD-09 (their URL schemes)."""
    g_lat, g_lng = from_wgs84(latitude, longitude, GCJ02)
    b_lat, b_lng = from_wgs84(latitude, longitude, BD09)
    label = quote(name or "救援地点")
    return {
        "amap": f"https://uri.amap.com/navigation?to={g_lng:.6f},{g_lat:.6f},{label}&mode=car&coordinate=gaode",
        "baidu": f"baidumap://map/direction?destination=latlng:{b_lat:.6f},{b_lng:.6f}|name:{label}"
                 f"&coord_type=bd09ll&mode=driving",
    }
