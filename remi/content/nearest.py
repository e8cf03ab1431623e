"""A town with no listed service: the nearest town that has one (town centres from
remi.cities), so an answer never stops at "no service listed"."""

from __future__ import annotations

import datetime as dt

from remi.cities import CENTRES, distance_km
from remi.content.library import Library, Service


def nearest_town_with(
    categories: list[str], city: str, library: Library, today: dt.date | None = None
) -> tuple[str, float, list[Service]] | None:
    """(town, km, its services of `categories`) for the nearest other town with at least one
    sendable service of those categories; None when no town has one."""
    if city not in CENTRES:
        return None
    by_town: dict[str, list[Service]] = {}
    for category in categories:
        for service in library.services_for(category, today=today):
            if service.city and service.city != city and service not in by_town.setdefault(service.city, []):
                by_town[service.city].append(service)
    towns = [(town, distance_km(CENTRES[city], CENTRES[town])) for town in by_town if town in CENTRES]
    if not towns:
        return None
    town, km = min(towns, key=lambda pair: pair[1])
    return town, km, by_town[town]


def national_by_phone(categories: list[str], library: Library, today: dt.date | None = None) -> list[Service]:
    """Organisations with no town (they work nationally) that give a phone number."""
    found: list[Service] = []
    for category in categories:
        for service in library.services_for(category, today=today):
            if service.city is None and service.phone and service not in found:
                found.append(service)
    return found
