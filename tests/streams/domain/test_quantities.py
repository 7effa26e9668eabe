from streams.domain.quantities import find_quantities


def test_seed_soybeans():
    found = find_quantities("Beijing pledged to buy 12 million tonnes of American soybeans this year and "
                            "25 million tonnes in 2026.")
    assert [(q.amount, q.unit, q.item) for q in found] == [(12e6, "tonne", "soybeans"), (25e6, "tonne", None)]


def test_money_and_percentages():
    found = find_quantities("a $14.9 billion arms package and tariffs of 25% to 50%")
    assert [(q.amount, q.unit, q.item) for q in found] == [
        (14.9e9, "USD", "arms package"), (25.0, "percent", None), (50.0, "percent", None)]


def test_currency_words_and_counts():
    found = find_quantities("pledged 2 million euros in aid and sent 3,000 troops")
    assert [(q.amount, q.unit) for q in found] == [(2e6, "EUR"), (3000.0, "troops")]


def test_no_numbers_no_quantities():
    assert find_quantities("The minister said nothing about it.") == []
