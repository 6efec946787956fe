"""The authorisation matrix: every URL of the URLconf × GET and POST × anonymous, receptionist,
clinician and admin has an expected answer here. A new view without an entry fails
test_every_url_has_an_entry_in_the_matrix; a view that lets the wrong role in (or keeps the right
one out) fails test_each_role_reaches_exactly_what_the_matrix_says.

Letters: A anonymous, R receptionist, C clinician, M admin (manager). A role in the string is let
through (any answer but 401/403/405 or the login page); a role not in it is refused. Object rules
(whose appointment, which clinic) have their own tests in accounts/tests/test_authorisation_holes.py.
"""

import pytest
from django.test import Client

from .urlconf_cases import make_world, project_routes, url_for

EXPECTED: dict[str, tuple[str, str]] = {  # URL name: (GET, POST)
    "home": ("CRM", "CRM"),
    "healthz": ("ACRM", ""),
    "readyz": ("ACRM", ""),
    "accounts:login": ("ACRM", "ACRM"),
    "accounts:logout": ("", ""),  # answers with the login page: nothing to reach
    "accounts:account": ("CRM", "CRM"),
    "accounts:password_change": ("CRM", "CRM"),
    "accounts:two_factor": ("CRM", "CRM"),
    "accounts:recovery_codes": ("", "CRM"),
    "accounts:verify": ("CRM", "CRM"),
    "audit:index": ("M", "M"),
    "accounts:password_reset": ("ACRM", "ACRM"),
    "accounts:password_reset_done": ("ACRM", ""),
    "accounts:password_reset_confirm": ("ACRM", "ACRM"),
    "accounts:password_reset_complete": ("ACRM", ""),
    "clinics:switch": ("", "CRM"),
    "patients:list": ("CRM", "CRM"),
    "patients:create": ("RM", "RM"),
    "patients:import": ("M", "M"),
    "patients:import_detail": ("M", "M"),
    "patients:import_run": ("", "M"),
    "patients:import_mapping": ("", "M"),
    "patients:import_progress": ("M", "M"),
    "patients:import_undo": ("", "M"),
    "patients:import_report": ("M", "M"),
    "patients:needs_checking": ("M", "M"),
    "export_everything": ("M", ""),
    "patients:export": ("M", "M"),
    "patients:duplicate_check": ("RM", "RM"),
    "patients:detail": ("CRM", "CRM"),
    "patients:edit": ("CRM", "CRM"),
    "patients:archive": ("", "CRM"),
    "scheduling:book": ("CRM", "CRM"),
    "scheduling:new": ("CRM", "CRM"),
    "scheduling:patient_search": ("CRM", "CRM"),
    "scheduling:patient_picker": ("CRM", "CRM"),
    "scheduling:patient_duplicates": ("CRM", "CRM"),
    "scheduling:patient_pick": ("CRM", "CRM"),
    "scheduling:next": ("CRM", "CRM"),
    "scheduling:detail": ("CRM", "CRM"),
    "scheduling:edit": ("", "CRM"),
    "scheduling:move": ("", "CRM"),
    "scheduling:status": ("", "CRM"),
    "scheduling:cancel": ("", "CRM"),
    "scheduling:resend": ("", "CRM"),
    "messaging:inbox": ("CRM", "CRM"),
    "messaging:list": ("CRM", "CRM"),
    "messaging:conversation": ("CRM", "CRM"),
    "messaging:send": ("", "CRM"),
    "messaging:resend": ("CRM", "CRM"),  # GET asks first: the patient may get two
    "messaging:mark_delivered": ("", "CRM"),
    "messaging:mark_read": ("", "CRM"),
    "messaging:settings": ("M", "M"),
    "messaging:receipt_callback": ("ACRM", "ACRM"),  # SMS Broadcast: the secret token in the path
    "messaging:inbound_callback": ("ACRM", "ACRM"),  # SMS Broadcast: the secret token in the path
    "billing:list": ("CRM", "CRM"),
    "billing:day": ("RM", "RM"),
    "billing:create_for_appointment": ("", "RM"),
    "billing:detail": ("CRM", "CRM"),
    "billing:edit_lines": ("RM", "RM"),
    "billing:record_payment": ("", "RM"),
    "billing:approve": ("", "RM"),
    "billing:void": ("", "M"),  # admin permissions by default (assignable)
    "billing:credit": ("", "M"),
    "billing:close_day": ("RM", "RM"),
    "billing:close_day_status": ("", "CRM"),
    "billing:products": ("CRM", "CRM"),
    "billing:product_new": ("M", "M"),
    "billing:product_edit": ("M", "M"),
    "billing:payers": ("RM", "RM"),
    "billing:payer_new": ("RM", "RM"),
    "billing:payer_edit": ("RM", "RM"),
    "billing:add_product": ("", "RM"),
    "billing:set_payer": ("", "RM"),
    "billing:benefit_and_gap": ("", "RM"),
    "billing:email": ("", "RM"),
    "billing:document": ("CRM", "CRM"),
    "billing:document_pdf": ("CRM", "CRM"),
    "xero:settings": ("M", ""),
    "xero:connect": ("M", ""),
    "xero:callback": ("M", ""),
    "xero:choose_tenant": ("", "M"),
    "xero:disconnect": ("", "M"),
    "xero:mappings": ("M", "M"),
    "xero:sync_changed": ("", "M"),
    "xero:sync_patient": ("", "RM"),
    "xero:job": ("M", ""),
    "xero:reconcile": ("RM", "RM"),
    "xero:resync_invoice": ("", "RM"),
    "xero:push_invoice": ("", "RM"),
    "xero:webhook": ("", ""),  # Xero only: an unsigned delivery gets 401
    "xero_webhook_registered": ("", ""),  # the same view at the address registered in Xero
    "reports:index": ("M", "M"),
    "reports:revenue": ("M", "M"),
    "reports:appointments": ("M", "M"),
    "reports:demographics": ("M", "M"),
    "reports:receivables": ("M", "M"),
    "reports:takings": ("M", "M"),
    "settings:index": ("M", "M"),
    "setup:practice": ("M", "M"),
    "setup:clinics": ("M", ""),
    "setup:clinic_new": ("M", "M"),
    "setup:clinic_edit": ("M", "M"),
    "setup:clinicians": ("M", ""),
    "setup:clinician_edit": ("M", "M"),
    "setup:types": ("M", ""),
    "setup:type_new": ("M", "M"),
    "setup:type_edit": ("M", "M"),
    "setup:staff": ("M", ""),
    "setup:staff_invite": ("M", "M"),
    "setup:staff_edit": ("M", "M"),
    "setup:staff_active": ("", "M"),
    "setup:roster": ("M", "M"),
    "setup:time_off_add": ("", "M"),
    "setup:time_off_remove": ("", "M"),
    "setup:staff_reinvite": ("", "M"),
    "setup:accept_invite": ("ACRM", "ACRM"),  # the one-time token decides, not a login
    "setup:invite_accepted": ("", ""),  # sends everyone to the login page
    "clinical:my_day": ("CM", ""),
    "clinical:note_new": ("CM", "CM"),
    "clinical:timeline": ("CRM", ""),
    "clinical:referral_new": ("CRM", "CRM"),
    "clinical:note": ("CRM", ""),  # reception: that it exists and its author, not its content
    "clinical:autosave": ("", "CM"),  # a signed note: 409 for anyone; a draft: its author only
    "clinical:sign": ("", "CM"),  # redirects with the refusal for anyone but the author
    "clinical:addendum": ("", "CM"),
    "clinical:upload": ("", "CM"),
    "clinical:letter_new": ("", "CM"),
    "clinical:attachment": ("CM", ""),
    "clinical:thumbnail": ("CM", ""),
    "clinical:letter": ("CM", "CM"),
    "clinical:letter_pdf": ("CM", ""),
    "clinical:letter_resend": ("", "CM"),
    "clinical:referrers": ("CRM", ""),
    "clinical:referrer_new": ("CRM", "CRM"),
    "clinical:referrer_edit": ("CRM", "CRM"),
    "clinical:templates": ("M", ""),
    "clinical:template_new": ("M", "M"),
    "clinical:template_edit": ("M", "M"),
    "note-list": ("CRM", ""),
    "note-detail": ("CRM", ""),
    "note-sign": ("", "CM"),
    "note-addenda": ("", "CM"),
    "clinic-list": ("CRM", "M"),
    "clinic-detail": ("CRM", ""),
    "clinician-list": ("CRM", "M"),
    "clinician-detail": ("CRM", ""),
    "patient-list": ("CRM", "RM"),
    "patient-detail": ("CRM", ""),
    "appointmenttype-list": ("CRM", "M"),
    "appointmenttype-detail": ("CRM", ""),
    "appointment-list": ("CRM", "CRM"),
    "appointment-availability": ("CRM", ""),
    "appointment-recurring": ("", "CRM"),
    "appointment-detail": ("CRM", ""),
    "appointment-cancel": ("", "CRM"),
    "invoice-list": ("CRM", "RM"),
    "invoice-detail": ("CRM", ""),
    "invoice-approve": ("", "RM"),
    "invoice-void": ("", "M"),
    "payment-list": ("CRM", "RM"),
    "payment-detail": ("CRM", ""),
    "api-root": ("CRM", ""),
    "api-schema": ("CRM", ""),
    "api-docs": ("CRM", ""),
    "api-redoc": ("CRM", ""),
}


def _outcome(response) -> str:
    if response.status_code >= 500:
        return "error"
    if response.status_code in (401, 403, 405):
        return "deny"
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "deny"
    if response.status_code == 302 and "/admin/login/" in response.get("Location", ""):
        return "deny"
    return "allow"


def test_every_url_has_an_entry_in_the_matrix():
    missing = [r.name for r in project_routes() if r.name not in EXPECTED]
    assert not missing, f"Add these URLs to the authorisation matrix: {missing}"
    stale = set(EXPECTED) - {r.name for r in project_routes()}
    assert not stale, f"The matrix names URLs that no longer exist: {stale}"


@pytest.mark.django_db
def test_each_role_reaches_exactly_what_the_matrix_says(settings, capsys, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # the clinical photo and letters of make_world
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    users, by_name, extra = make_world()
    roles = {"A": None, "C": users["clinician"], "R": users["receptionist"], "M": users["admin"]}
    routes = project_routes()
    wrong, cases, observed = [], 0, {}
    for method in ("GET", "POST"):
        for letter, user in roles.items():
            for route in routes:
                client = Client(raise_request_exception=False)
                if user is not None:
                    client.force_login(user)
                url = url_for(route, by_name, extra)
                response = client.get(url) if method == "GET" else client.post(url)
                cases += 1
                got = _outcome(response)
                if got == "allow":
                    observed.setdefault(route.name, {"GET": "", "POST": ""})[method] += letter
                observed.setdefault(route.name, {"GET": "", "POST": ""})
                allowed = EXPECTED.get(route.name, ("?", "?"))[0 if method == "GET" else 1]
                want = "allow" if letter in allowed else "deny"
                if got != want:
                    wrong.append(f"{method} {url} as {letter}: {got} ({response.status_code}), "
                                 f"matrix says {want}")
    with capsys.disabled():
        print(f"\nauthorisation matrix: {cases} cases ({len(routes)} URLs × 2 methods × "
              f"{len(roles)} roles)")
    if wrong:
        table = "\n".join(f'    "{name}": ("{o["GET"]}", "{o["POST"]}"),'
                          for name, o in observed.items())
        print(f"Observed (review before copying into EXPECTED):\n{table}")
    assert not wrong, "\n".join(wrong)
