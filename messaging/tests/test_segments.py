"""SMS part counting: GSM-7 160/153, UCS-2 70/67, extension characters count twice."""

from hypothesis import given
from hypothesis import strategies as st

from messaging import segments

GSM_TEXT = st.text(alphabet=sorted(segments.GSM7_BASIC - {"\x1b"}), max_size=1000)


def test_plain_text_fits_160_in_one_part():
    assert segments.count("a" * 160) == segments.SegmentCount("GSM-7", 160, 1, 160)
    assert segments.count("a" * 161).segments == 2
    assert segments.count("a" * 306).segments == 2
    assert segments.count("a" * 307).segments == 3


def test_extension_characters_take_two_units():
    assert segments.count("€" * 80).units == 160
    assert segments.count("€" * 80).segments == 1
    assert segments.count("[" * 81).segments == 2


def test_one_emoji_or_smart_quote_makes_the_whole_message_unicode():
    count = segments.count("Hi John, see you at 9:15 ’thanks’")
    assert count.encoding == "UCS-2"
    assert segments.count("x" * 70 + "’").segments == 2
    assert segments.count("🙂" * 35).units == 70
    assert segments.non_gsm_characters("ok ’ 🙂 ’") == ["’", "🙂"]


def test_empty_text_needs_no_part():
    assert segments.count("").segments == 0


@given(GSM_TEXT)
def test_gsm_text_parts_hold_at_most_153_units_each(text):
    c = segments.count(text)
    assert c.encoding == "GSM-7"
    assert c.units == len(text)
    if c.units <= 160:
        assert c.segments == (1 if text else 0)
    else:
        assert (c.segments - 1) * 153 < c.units <= c.segments * 153


@given(st.text(max_size=600))
def test_parts_never_decrease_when_text_grows(text):
    assert segments.count(text + "a").segments >= segments.count(text).segments


@given(st.text(max_size=600))
def test_any_text_is_counted_in_one_of_the_two_encodings(text):
    c = segments.count(text)
    single, part = (160, 153) if c.encoding == "GSM-7" else (70, 67)
    assert c.segments == 0 if not text else c.segments >= 1
    if c.segments > 1:
        assert (c.segments - 1) * part < c.units <= c.segments * part
    elif c.segments == 1:
        assert c.units <= single
    assert segments.is_gsm7(text) == (c.encoding == "GSM-7")
