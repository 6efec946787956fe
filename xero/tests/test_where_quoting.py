"""Lookups by name or number survive any text: our quoting and the fake's `where` agree."""

from hypothesis import assume, given
from hypothesis import strategies as st

from xero.fake.server import _where
from xero.services import _ors

names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                max_size=40)


@given(target=names, others=st.lists(names, max_size=4))
def test_or_lookup_finds_exactly_the_named_contacts(target, others):
    assume(target + "x" not in others)
    wanted = [target, *others]
    test = _where(_ors("Name", wanted))
    assert test is not None
    assert test({"Name": target})
    assert not test({"Name": target + "x"})


def test_names_holding_quotes_or_the_word_or_are_one_value():
    test = _where(_ors("Name", ['Tom "T" OR Jerry', "A\\B"]))
    assert test({"Name": 'Tom "T" OR Jerry'}) and test({"Name": "A\\B"})
    assert not test({"Name": "Tom"})


def test_and_binds_tighter_than_or():
    test = _where('Status=="ACTIVE" AND Type=="BANK" OR Code=="200"')
    assert test({"Status": "ACTIVE", "Type": "BANK"})
    assert test({"Code": "200"})
    assert not test({"Status": "ACTIVE", "Type": "REVENUE"})


def test_unparseable_where_is_refused():
    assert _where('Name=="unterminated') is None
    assert _where('Name=="a" OR') is None
