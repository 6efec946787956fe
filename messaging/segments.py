"""How many SMS parts a text needs: GSM-7 (160 / 153 per part) or UCS-2 (70 / 67 per part).

Any character outside the GSM 03.38 alphabet turns the whole message into UCS-2; characters of the
extension table (^ { } \\ [ ] ~ | €) cost two septets. A UCS-2 character outside the Basic
Multilingual Plane (most emoji) takes two 16-bit units.

Neither a two-septet escape sequence nor a surrogate pair may be cut between two parts of a long
message (the phone would show garbage), so a part that has one unit left before such a character
goes out one unit short and the character opens the next part: 152 `€` septets can need two parts
where the plain division says one.
"""

from dataclasses import dataclass, field

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or 16-bit code units (UCS-2)
    segments: int
    per_segment: int  # capacity of one part at this length (single or concatenated)
    last_part_units: int = field(default=0, compare=False)

    @property
    def remaining(self) -> int:
        """Units left in the last part before another part is needed."""
        if not self.segments:
            return self.per_segment
        return self.per_segment - (self.last_part_units or self.units)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def non_gsm_characters(text: str) -> list[str]:
    """The characters that force Unicode, in order of first appearance (to show staff)."""
    seen: list[str] = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED and ch not in seen:
            seen.append(ch)
    return seen


def count(text: str) -> SegmentCount:
    if is_gsm7(text):
        costs = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    else:
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    units = sum(costs)
    if units == 0:
        return SegmentCount(encoding, 0, 0, single)
    if units <= single:
        return SegmentCount(encoding, units, 1, single, units)
    # Fill parts in order; a two-unit character that does not fit whole opens the next part.
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return SegmentCount(encoding, units, parts, part, used)
