"""Which PLOVER act a sentence's words name, before any actor or scorer is involved."""

from __future__ import annotations

import pytest

from streams.domain.triggers import TriggerLexicon


def acts(sentence: str) -> list[str]:
    return [trigger.event_type for _, _, trigger in TriggerLexicon.load().find(sentence)]


@pytest.mark.parametrize("sentence", [
    "Belgium's rail unions on Thursday called off a five-day strike planned from Monday.",
    "Dockers in Le Havre ended a nine-day strike on Thursday.",
    "Farmers lifted a week-long blockade of the A64 motorway on Thursday.",
])
def test_ending_a_protest_is_a_retreat_not_a_protest(sentence):
    # "called off" is a verb of its own: "called ... strike" must not read as calling a strike.
    assert acts(sentence) == ["RETREAT"]


def test_calling_a_strike_is_still_a_protest():
    assert acts("The union called a 48-hour strike at the port.") == ["PROTEST"]


def test_postponing_drills_is_a_retreat():
    assert acts("Norway has postponed a live-fire artillery exercise planned near the Russian border.") == ["RETREAT"]


def test_joint_exercises_are_cooperation_not_a_show_of_force():
    # Two frames end on "exercises"; the one whose object is "joint exercises" says more.
    assert acts("Japan and the Philippines began joint exercises in Cagayan on Wednesday.") == ["COOPERATE"]
    assert acts("China began exercises around Taiwan on Monday.") == ["MOBILIZE"]


def test_agreeing_to_reopen_is_the_concession_itself():
    assert acts("Turkey and Armenia agreed to reopen the border crossing from June 1.") == ["CONCEDE"]
    assert acts("The two sides agreed to hold talks in Geneva.") != ["CONCEDE"]


@pytest.mark.parametrize("sentence", [
    "Kyiv could restrict imports of Polish vegetables if the ban on sugar was not reversed.",
    "Ottawa could announce counter-tariffs within weeks if Washington did not return to talks.",
])
def test_any_act_made_conditional_is_a_threat(sentence):
    assert acts(sentence) == ["THREATEN"]


@pytest.mark.parametrize("sentence, expected", [
    ("A Chinese coast guard ship fired water cannon at a Philippine vessel.", ["ASSAULT"]),  # "ship" is no verb
    ("Ukrainian drones struck the Primorsk oil terminal overnight.", ["ASSAULT"]),
    ("The soldiers returned fire.", ["ASSAULT"]),
    ("The court fined the captain 10,000 euros.", ["SANCTION"]),
    ("Beijing added 20 Japanese companies to an export control list.", ["SANCTION"]),
    ("The State Department designated the two gangs as foreign terrorist organizations.", ["SANCTION"]),
    ("Washington would deny visas to the delegation.", ["SANCTION"]),
    ("The highway police said they had removed 140 blockades.", ["COERCE"]),
    ("The governor's office banned all demonstrations for four days.", ["COERCE"]),
])
def test_acts_named_by_a_verb_and_its_object(sentence, expected):
    assert acts(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Spain said it would contribute 20 million euros to the fund.",
    "Malawian President Peter Mutharika pledged 5,000 bags of maize flour.",
    "Britain pledged 20 million pounds for counter-drone equipment.",
    "Sweden will lend Moldova a mobile air surveillance radar within weeks.",
    "China sent a team of engineers to Serbia.",
])
def test_giving_money_goods_or_specialists_is_aid(sentence):
    assert acts(sentence) == ["AID"]


@pytest.mark.parametrize("sentence", [
    "China sent vessels into waters claimed by the Philippines on Monday.",
    "Russia sent aircraft into Polish airspace.",
])
def test_sending_ships_or_aircraft_is_no_aid(sentence):
    # Craft sent into contested space are a show of force; only goods, money and people given count.
    assert "AID" not in acts(sentence)


def test_energy_supplies_between_states_are_cooperation():
    assert acts("Iran began shipping crude to Syria.") == ["COOPERATE"]
    assert acts("Azerbaijan will supply gas to Serbia from January.") == ["COOPERATE"]
    assert acts("The two navies will begin patrolling together next month.") == ["COOPERATE"]


def test_a_brand_name_does_not_hide_the_object_after_it():
    # "Eurofighter" ends in "fighter": the object "fighter jets" inside it must not hide "jets".
    assert acts("Germany will send four Eurofighter jets to Romania.") == ["MOBILIZE"]
