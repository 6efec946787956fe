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
        # Each full part holds `part` units, or one less when a two-unit character moved on.
        assert (c.segments - 1) * (part - 1) < c.units <= c.segments * part
    elif c.segments == 1:
        assert c.units <= single
    assert segments.is_gsm7(text) == (c.encoding == "GSM-7")


def _parts_by_septets(text: str) -> int:
    """What a modem does: write the septets (ESC + character for the extension table) and cut
    every 153, never between ESC and its character; the reference for the property below."""
    septets = []
    for ch in text:
        septets.extend(["\x1b", ch] if ch in segments.GSM7_EXTENDED else [ch])
    if len(septets) <= 160:
        return 1 if septets else 0
    parts, start = 0, 0
    while start < len(septets):
        end = min(start + 153, len(septets))
        if end < len(septets) and septets[end - 1] == "\x1b":
            end -= 1  # the escape would be split from its character
        parts, start = parts + 1, end
    return parts


def test_an_escape_character_across_a_part_boundary_moves_to_the_next_part():
    # 152 plain characters then a euro sign: the euro's two septets would straddle 153.
    text = "a" * 152 + "€" + "a" * 152
    assert segments.count(text).units == 306
    assert segments.count(text).segments == 3  # plain division would say 2
    assert segments.count("a" * 151 + "€" + "a" * 153).segments == 2


def test_an_emoji_is_never_split_between_unicode_parts():
    text = "x" * 66 + "🙂" + "x" * 66  # 134 units; the emoji would straddle 67
    assert segments.count(text).segments == 3


GSM_WITH_ESCAPES = st.text(alphabet=sorted((segments.GSM7_BASIC | segments.GSM7_EXTENDED)
                                           - {"\x1b"}), max_size=900)


@given(GSM_WITH_ESCAPES)
def test_gsm_parts_match_a_septet_by_septet_split(text):
    assert segments.count(text).segments == _parts_by_septets(text)


@given(st.text(alphabet=st.sampled_from("a€[]{}~|^\\"), min_size=140, max_size=500))
def test_escape_heavy_text_matches_a_septet_by_septet_split(text):
    c = segments.count(text)
    assert c.segments == _parts_by_septets(text)
    assert 0 <= c.remaining <= c.per_segment
