"""HTTP client for the production smoke test and the load benchmark (loopback only).

Talks to gunicorn the way Cloud Run's front end does: plain HTTP on loopback with
`X-Forwarded-Proto: https`, so Django sees a secure request (no HTTPS redirect, Secure cookies,
strict CSRF origin checks). Logs in through the real login form with its CSRF token.
"""

import argparse
import json
import sys
import time
from datetime import date, datetime, timedelta

import httpx


class SmokeFailure(Exception):
    pass


def client(base_url: str, timeout: float = 15.0) -> httpx.Client:
    origin = base_url.replace("http://", "https://", 1).rstrip("/")
    http = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False,
                        headers={"X-Forwarded-Proto": "https", "Origin": origin,
                                 "Referer": origin + "/"})

    def keep_secure_cookies_on_loopback(response):
        # The session and CSRF cookies are Secure; TLS ends at the proxy, so send them back
        # over loopback HTTP as the proxy would (a cookie policy is lost: httpx copies jars).
        for cookie in http.cookies.jar:
            cookie.secure = False

    http.event_hooks["response"].append(keep_secure_cookies_on_loopback)
    return http


def expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        raise SmokeFailure(f"{response.request.method} {response.request.url.path} answered "
                           f"{response.status_code}, expected {statuses}: {response.text[:500]}")
    return response


def login(http: httpx.Client, email: str, password: str) -> None:
    expect(http.get("/accounts/login/"), 200)
    token = http.cookies.get("csrftoken")
    if not token:
        raise SmokeFailure("The login page set no CSRF cookie.")
    response = expect(http.post("/accounts/login/", data={
        "csrfmiddlewaretoken": token, "username": email, "password": password}), 302)
    if "/accounts/login" in response.headers.get("location", ""):
        raise SmokeFailure("Login was refused.")
    if not http.cookies.get("sessionid"):
        raise SmokeFailure("Login set no session cookie.")


def api_headers(http: httpx.Client) -> dict:
    return {"X-CSRFToken": http.cookies.get("csrftoken") or "", "Accept": "application/json"}


def first(http: httpx.Client, path: str) -> dict:
    data = expect(http.get(path, headers={"Accept": "application/json"}), 200).json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    if not rows:
        raise SmokeFailure(f"{path} returned no rows; was the demo data loaded?")
    return rows[0]


def book_one(http: httpx.Client) -> dict:
    """Book an appointment through the REST API in a free slot a few weeks ahead."""
    patients = expect(http.get("/api/v1/patients/", headers={"Accept": "application/json"}),
                      200).json()["results"]
    if not patients:
        raise SmokeFailure("/api/v1/patients/ returned no rows; was the demo data loaded?")
    # A patient with an email address, so that the booking queues its confirmation for the worker.
    patient = next((p for p in patients if p.get("email")), patients[0])
    clinician = first(http, "/api/v1/clinicians/?active=true")
    appt_type = first(http, "/api/v1/appointment-types/?active=true")
    start_day = date.today() + timedelta(days=21)
    starts_at = None
    clinic_id = None
    availability = http.get("/api/v1/appointments/availability/", params={
        "clinician": clinician["id"], "appointment_type": appt_type["id"],
        "from": start_day.isoformat(), "to": (start_day + timedelta(days=13)).isoformat()},
        headers={"Accept": "application/json"})
    if availability.status_code == 200 and availability.json().get("slots"):
        slot = availability.json()["slots"][0]
        starts_at = datetime.fromisoformat(slot["starts_at"])
        clinic_id = slot["clinic"]
    if starts_at is None:  # no availability endpoint: a weekday morning three weeks ahead
        day = start_day + timedelta(days=(7 - start_day.weekday()) % 7)
        starts_at = datetime.fromisoformat(f"{day.isoformat()}T10:00:00+10:00")
        clinic_id = (clinician.get("clinics") or [first(http, "/api/v1/clinics/")["id"]])[0]
    ends_at = starts_at + timedelta(minutes=appt_type["duration_minutes"])
    response = expect(http.post("/api/v1/appointments/", headers=api_headers(http), json={
        "patient": patient["id"], "clinician": clinician["id"], "clinic": clinic_id,
        "appointment_type": appt_type["id"], "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(), "reason": "Production smoke test"}), 201)
    booked = response.json()
    again = expect(http.get(f"/api/v1/appointments/{booked['id']}/",
                            headers={"Accept": "application/json"}), 200).json()
    if again["starts_at"] is None or again["patient"] != patient["id"]:
        raise SmokeFailure(f"The booked appointment reads back differently: {again}")
    return booked


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--wait-ready", type=float, default=30.0)
    args = parser.parse_args()

    with client(args.base_url) as http:
        deadline = time.monotonic() + args.wait_ready
        while True:  # gunicorn is starting: poll /readyz like Cloud Run's startup probe
            try:
                if http.get("/readyz", headers={"X-Forwarded-Proto": ""}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SmokeFailure(f"/readyz did not answer 200 within {args.wait_ready}s")
            time.sleep(0.25)
        expect(http.get("/healthz"), 200)
        # Plain HTTP without the proxy header is redirected to HTTPS, as in production.
        plain = http.get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})
        expect(plain, 301)
        assert plain.headers["location"].startswith("https://"), plain.headers["location"]
        login(http, args.email, args.password)
        book = expect(http.get("/book/"), 200)
        for header in ("strict-transport-security", "content-security-policy"):
            if header not in book.headers:
                raise SmokeFailure(f"/book/ has no {header} header")
        static = expect(http.get("/static/css/ncc.css"), 200)  # WhiteNoise, collected files
        if "text/css" not in static.headers.get("content-type", ""):
            raise SmokeFailure("The stylesheet is not served as CSS.")
        booked = book_one(http)
        print(json.dumps({"logged_in_as": args.email, "appointment": booked["id"],
                          "starts_at": booked["starts_at"]}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SmokeFailure as failure:
        print(f"SMOKE FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
