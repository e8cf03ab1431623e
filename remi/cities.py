"""Niger's towns on the migration routes: canonical names, the ways people spell them, and
where they are (town centres, for "nearest service" when a service has no coordinates)."""

from __future__ import annotations

import math
import re

from remi.language.normalise import normalise

# Canonical name -> spellings seen in messages (after normalise(): lower case, no accents or
# hooks). Hausa names: Yamai (Niamey), Damagaram (Zinder), Tawa (Tahoua).
SPELLINGS: dict[str, list[str]] = {
    "Niamey": [
        "niamey",
        "niamei",
        "niami",
        "niamy",
        "niame",
        "niamee",
        "niamai",
        "yamai",
        "yamei",
        "nyamey",
        "niameh",
        "niamay",
    ],
    "Agadez": [
        "agadez",
        "agades",
        "agadas",
        "agadess",
        "agadesh",
        "agadz",
        "agadis",
        "agadezz",
        "agadec",
        "agaddez",
        "agadeze",
    ],
    "Zinder": ["zinder", "zindar", "zinda", "zindeer", "damagaram", "damagarm", "damagram"],
    "Tahoua": ["tahoua", "tahua", "tawa", "tahwa", "tahoa", "tahouwa"],
    "Arlit": ["arlit", "arlitt", "arleet", "arlite"],
    "Assamaka": ["assamaka", "asamaka", "assamakka", "asamakka", "assamak", "asamak", "asammaka"],
    "Dirkou": ["dirkou", "dirku", "dirkuu", "dirko", "dirkw"],
    "Maradi": ["maradi", "maradii", "marady"],
    "Diffa": ["diffa", "difa"],
    "Dosso": ["dosso", "doso", "dossou"],
    "Tillaberi": ["tillaberi", "tilaberi", "tillabery", "tilabery", "tillabri", "tilabri", "tillabe", "tillaberie"],
}

# Town centres (WGS84), public geographic facts, used only to rank services by distance.
CENTRES: dict[str, tuple[float, float]] = {
    "Niamey": (13.5116, 2.1254),
    "Agadez": (16.9742, 7.9865),
    "Zinder": (13.8072, 8.9881),
    "Tahoua": (14.8888, 5.2692),
    "Arlit": (18.7369, 7.3853),
    "Assamaka": (19.3500, 5.7833),
    "Dirkou": (18.9931, 12.8930),
    "Maradi": (13.5000, 7.1017),
    "Diffa": (13.3154, 12.6113),
    "Dosso": (13.0490, 3.1937),
    "Tillaberi": (14.2120, 1.4531),
}

CITIES = list(SPELLINGS)
_SPELLING_TO_CITY = {s: city for city, spellings in SPELLINGS.items() for s in spellings}
_TOKEN = re.compile(r"[a-z]+")


def _close(a: str, b: str) -> bool:
    """One edit apart (typos), for words long enough that this stays safe."""
    if len(b) < 6 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=False)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def find_cities(text: str) -> list[tuple[str, int, int]]:
    """(canonical city, start, end) for each town named in `text`; offsets into `text`.

    Matching is on normalised words so that "AGADES", "Agadèz" and "agadezzz" all match.
    """
    found = []
    for match in re.finditer(r"\w+", text):
        word = normalise(match.group())
        if not word:
            continue
        city = _SPELLING_TO_CITY.get(word)
        if city is None and len(word) >= 6:
            city = next((c for s, c in _SPELLING_TO_CITY.items() if _close(word, s)), None)
        if city:
            found.append((city, match.start(), match.end()))
    return found


def canonical(name: str | None) -> str | None:
    """The canonical city for a name or spelling, or None."""
    if not name:
        return None
    hits = find_cities(name)
    return hits[0][0] if hits else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def nearest_city(point: tuple[float, float]) -> str:
    return min(CENTRES, key=lambda city: distance_km(point, CENTRES[city]))
