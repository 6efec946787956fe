"""HTML of the book's columns, built in Python.

A week of one busy clinician is 400 appointments and 7 x 48 slot buttons; Django's template
engine spends about half a millisecond per appointment block on that, which made the week view
take hundreds of milliseconds. Strings built here (every value escaped) take a few. The markup is
the same the template used to make; book.css and book.js rely on its classes and data attributes.
"""

from html import escape  # the stdlib's: Django's wraps it with lazy-string handling we don't need

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .models import AppointmentStatus

STATUS_LABELS = dict(AppointmentStatus.choices)
# The confirmation email could not go: say so on the block, not only in the dialog.
MAIL_MARKS = {
    "skipped": '<span class="appt-mail" title="No confirmation email: no address on file" '
               'aria-label="no confirmation email">✉</span>',
    "failed": '<span class="appt-mail failed" title="Confirmation email failed: open to resend" '
              'aria-label="confirmation email failed">✉</span>',
}
ZERO = "00000000-0000-0000-0000-000000000000"


def _slots(grid, can_book: bool) -> str:
    # Slots are for the pointer: keyboard users book with "New appointment" (N) instead of
    # tabbing through hundreds of empty slots, and reach appointments with Tab.
    disabled = "" if can_book else " disabled"
    out = []
    for minute, _label, hour in grid.rows:
        h, m = divmod(minute, 60)
        spoken = f"{h % 12 or 12}:{m:02d} {'am' if h < 12 else 'pm'}"
        out.append(f'<button type="button" class="slot{" hour" if hour else ""}" '
                   f'data-m="{minute}" tabindex="-1"{disabled} aria-label="Book {spoken}"></button>')
    return "".join(out)


def _lane_style(b) -> str:
    """Clinic week: a block or shade sits in its clinician's lane (x, w: fractions of the day)."""
    x = getattr(b, "x", None)
    return "" if x is None else f" left: {x * 100:.3f}%; right: auto; width: {b.w * 100:.3f}%;"


def _shade(s) -> str:
    label = f"<span>{escape(s.label)}</span>" if s.label else ""
    return (f'<div class="shade shade-{s.kind}" style="top: {s.top}px; height: {s.height}px;'
            f'{_lane_style(s)}">{label}</div>')


def _block(b, status_url: str, focus: str) -> str:
    a = b.appointment
    p = a.patient
    classes = ["appt", f"st-{a.status}"]
    if b.height < 30:
        classes.append("short")
    clinician = getattr(b, "clinician", None)
    if b.lanes > 1 or clinician is not None:
        classes.append("narrow")
    if a.editable:
        classes.append("can-move")
    if focus and focus == str(a.pk):
        classes.append("focus")
    style = f"top: {b.top}px; height: {b.height}px;"
    t = a.appointment_type
    if clinician is not None:  # clinic week: coloured by clinician, in the clinician's lane
        style += _lane_style(b) + f" --c: {escape(clinician.colour)}"
    elif b.lanes > 1:
        style += (f" left: calc({b.lane} * 100% / {b.lanes}); "
                  f"width: calc(100% / {b.lanes});")
    if clinician is None:
        style += f" --c: {escape(t.colour)}"
    name = escape(p.full_name)
    type_name = escape(t.name)
    status = STATUS_LABELS.get(a.status, a.status)
    alert = (f'<span class="appt-alert" title="{escape(p.alerts)}">!</span>' if p.alerts else "")
    paid = ' · <span class="paid">Paid</span>' if a.is_paid else ""
    badges = list(a.badges)
    if a.reminder_state == "call_back" and a.status != "cancelled":
        badges.append(("Call back", "sms-callback"))
    elif a.reminder_state == "sent" and a.status == "booked":
        badges.append(("No reply", "sms-noreply"))
    paid += "".join(f' <span class="appt-badge {escape(css)}">{escape(label)}</span>'
                    for label, css in badges)
    mail = MAIL_MARKS.get(a.email_status, "")
    quick = ""
    if a.editable and a.next_status:
        nxt = a.next_status_label.lower()
        quick = (f'<button type="button" class="appt-quick" '
                 f'hx-post="{status_url.replace(ZERO, str(a.pk))}" '
                 f"hx-vals='{{\"status\": \"{a.next_status}\"}}' hx-target=\"#book-flash\" "
                 f'title="Mark {nxt}" aria-label="Mark {name} {nxt}">'
                 f"{escape(a.next_status_label)}</button>")
    who, who_label, data_clinician, title = "", "", "", ""
    if clinician is not None:
        who = (f'<span class="appt-who" title="{escape(clinician.display_name)}">'
               f"{escape(clinician.initials)}</span>")
        who_label = f" with {escape(clinician.display_name)}"
        data_clinician = f' data-clinician="{clinician.pk}"'
        # A lane is narrow: the whole story on hover.
        title = f' title="{a.time_label} {name}, {type_name}{who_label}, {status}"'
    return (f'<div class="{" ".join(classes)}" style="{style}" data-id="{a.pk}"{data_clinician} '
            f'data-minutes="{a.minutes}" tabindex="0" role="button"{title} '
            f'aria-label="{a.time_label} {name}, {type_name}{who_label}, {status}">'
            f'<div class="appt-l1">{who}<span class="appt-name">{name}</span>{alert}{mail}'
            f'<span class="status status-{a.status}">{status}</span></div>'
            f'<div class="appt-l2"><span class="appt-time">{a.time_label}</span> · '
            f"{type_name}{paid}</div>"
            f'<div class="appt-l3"><span class="status status-{a.status}">{status}</span></div>'
            f"{quick}</div>")


def columns_html(book: dict, *, view: str, can_book: bool, focus: str = "",
                 only_clinician_id: int | None = None) -> SafeString:
    """The grid's columns. `only_clinician_id`: a clinician books only into their own column."""
    grid = book["grid"]
    open_slots, closed_slots = _slots(grid, can_book), _slots(grid, False)
    status_url = reverse("scheduling:status", args=[ZERO])
    out = []
    for col in book["columns"]:
        classes = ("book-col" + (" today" if col.is_today else "")
                   + (" closed" if col.closed else "") + (" off" if getattr(col, "off", False)
                                                          else ""))
        label = (f"{col.day:%A} {col.day.day} {col.day:%B}" if view == "week"
                 else escape(col.title))
        lanes = getattr(col, "lanes", None)
        if lanes is not None:  # clinic week: a click books into the lane's clinician
            slots = open_slots if only_clinician_id is None else closed_slots
            who = (f'data-lanes="{",".join(str(c.pk) for c in lanes)}"')
            guides = "".join(f'<div class="lane-line" style="left: {i * 100 / len(lanes):.3f}%">'
                             "</div>" for i in range(1, len(lanes)))
        else:
            slots = (open_slots if only_clinician_id in (None, col.clinician.pk)
                     else closed_slots)
            who = f'data-clinician="{col.clinician.pk}"'
            guides = ""
        out.append(f'<div class="{classes}" {who} '
                   f'data-date="{col.day.isoformat()}" role="group" aria-label="{label}">'
                   f'<div class="slots">{slots}</div>{guides}')
        out.extend(_shade(s) for s in col.shades)
        out.extend(_block(b, status_url, focus) for b in col.blocks)
        if col.is_today and grid.now_top is not None:
            out.append(f'<div class="now-line" style="top: {grid.now_top}px" '
                       'aria-hidden="true"></div>')
        out.append("</div>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
