"""Placing a story's dateline: capitals and country names from the curated gazetteer, other cities
from the GeoNames-derived list, US datelines by their state."""

from __future__ import annotations

import pytest

from streams.domain.gazetteer import load_gazetteer, place_key


@pytest.mark.parametrize("dateline,country", [
    ("WASHINGTON", "USA"),          # a capital: the curated gazetteer
    ("GENEVA", "CHE"),              # a city: GeoNames
    ("SAO PAULO", "BRA"),           # accents folded ("São Paulo")
    ("Port-au-Prince", "HTI"),      # hyphens as spaces
    ("GOMA, Congo", "COD"),
    ("Selmer, Tenn.", "USA"),       # AP state abbreviation
    ("Austin, Texas", "USA"),
    ("Bombay", "IND"),              # an alternate name of a city of a million or more
    ("Nowhere-on-Sea", None),
    ("", None),
])
def test_dateline_places_the_story(dateline, country):
    assert load_gazetteer().place_country(dateline) == country


def test_cities_are_not_actors():
    # "Geneva talks" must not make a Swiss party to every event datelined there.
    assert not [m for m in load_gazetteer().matches("Officials met in Geneva and Sydney.")]


def test_place_key_folds_case_accents_and_hyphens():
    assert place_key("São  Paulo") == place_key("SAO-PAULO") == "sao paulo"
