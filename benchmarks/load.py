"""Load benchmark: gunicorn with the production settings on PostgreSQL, on loopback only.

    .venv/bin/python benchmarks/load.py                 # ~2-3 minutes on 2 cores
    .venv/bin/python benchmarks/load.py --reuse-db      # keep ncc_bench's data from last time

Creates (or reuses) the PostgreSQL database ncc_bench with the demo practice (5000 patients),
starts gunicorn with DEBUG off exactly as the web process runs on Cloud Run (2 processes x 4
threads), logs staff in through the login form, then for 2 and 8 concurrent users each looping
over the appointment book (/book/), patient search (/patients/?q=smi) and the API list
(/api/v1/patients/) for a fixed time, prints requests/s and latency percentiles per endpoint.
Every loop is bounded by time and by a request cap; the server is stopped at the end.
Last line: RESULT users=8 requests=... failures=... p95_ms=... rps=...
"""

import argparse
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "scripts"))
from smoke_client import client, login  # noqa: E402

ENDPOINTS = {
    "book": "/book/",
    "patient search": "/patients/?q=smi",
    "api list": "/api/v1/patients/",
}
MAX_REQUESTS_PER_USER = 5000
REQUEST_TIMEOUT_S = 10.0  # a slower answer counts as a failure


@dataclass
class Sample:
    latencies: dict = field(default_factory=lambda: {name: [] for name in ENDPOINTS})
    failures: dict = field(default_factory=lambda: dict.fromkeys(ENDPOINTS, 0))
    errors: list = field(default_factory=list)


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, timeout):
    subprocess.run(cmd, cwd=BASE_DIR, env=env, check=True, timeout=timeout)


def prepare_database(args, env):
    py = sys.executable
    psql = ["psql", "-h", args.pghost, "-p", str(args.pgport), "-U", args.pguser, "-d",
            "postgres", "-qXt", "-v", "ON_ERROR_STOP=1", "-c"]
    exists = subprocess.run(psql + [f"SELECT 1 FROM pg_database WHERE datname = '{args.db}'"],
                            capture_output=True, text=True, check=True).stdout.strip() == "1"
    if exists and args.reuse_db:
        run([py, "manage.py", "migrate", "--no-input", "-v0"], env, 300)
        has_data = subprocess.run(
            [py, "manage.py", "shell", "--no-imports", "-c",
             "from patients.models import Patient; print(Patient.objects.count())"],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True, timeout=60)
        if int(has_data.stdout.strip().splitlines()[-1]) >= args.patients:
            print(f"Reusing database {args.db}.")
            return
    print(f"Creating database {args.db} with {args.patients} demo patients...", flush=True)
    subprocess.run(psql + [f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)"], check=True)
    subprocess.run(psql + [f"CREATE DATABASE {args.db}"], check=True)
    run([py, "manage.py", "migrate", "--no-input", "-v0"], env, 300)
    run([py, "manage.py", "seed_demo", "--patients", str(args.patients), "--quiet-progress"],
        env, 600)


def start_gunicorn(env, port, args):
    web_env = {**env, "HOST": "127.0.0.1", "PORT": str(port),
               "WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(args.threads),
               "LOG_LEVEL": "WARNING"}
    log = open(BASE_DIR / "var" / "bench-web.log", "w")  # noqa: SIM115 - closed by caller
    proc = subprocess.Popen([str(BASE_DIR / "scripts" / "entrypoint"), "web"], cwd=BASE_DIR,
                            env=web_env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, log


def group_cpu_seconds(pgid):
    """CPU time used so far by gunicorn (every process in its session's process group), so the
    table can say how much CPU a request costs whatever else the machine is doing."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: process group
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_ready(base_url, deadline_s=60):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready within 60 s (see var/bench-web.log)")


def user_loop(base_url, email, password, duration, offset, start_at):
    """One simulated person in a process of its own (the client's own CPU use must not queue
    behind one GIL): log in through the form with httpx, then request the pages in turn over one
    keep-alive connection with the standard library's lean client, so that the load generator,
    which shares the machine with the server, takes as little CPU as it can."""
    names = list(ENDPOINTS)
    local = Sample()
    with client(base_url, timeout=60.0) as http:  # set-up may wait behind other logins
        login(http, email, password)
        for path in ENDPOINTS.values():  # warm up: templates, query plans, connections
            http.get(path)
        headers = {name: value for name, value in http.headers.items()
                   if name.lower() in ("x-forwarded-proto", "origin", "referer")}
        headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in http.cookies.jar)
    url = urlsplit(base_url)
    conn = HTTPConnection(url.hostname, url.port, timeout=REQUEST_TIMEOUT_S)
    time.sleep(max(0.0, start_at - time.time()))
    stop_at = time.monotonic() + duration
    i = offset
    while time.monotonic() < stop_at and i - offset < MAX_REQUESTS_PER_USER:
        name = names[i % len(names)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", ENDPOINTS[name], headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, HTTPException) as exc:
            local.failures[name] += 1
            local.errors.append(f"{name}: {exc.__class__.__name__}")
            conn.close()
            conn = HTTPConnection(url.hostname, url.port, timeout=REQUEST_TIMEOUT_S)
            continue
        elapsed_ms = (time.perf_counter() - t0) * 1000
        if response.status != 200:
            local.failures[name] += 1
            local.errors.append(f"{name}: HTTP {response.status}")
            continue
        local.latencies[name].append(elapsed_ms)
    conn.close()
    return local.latencies, local.failures, local.errors[:5]


def measure(base_url, args, users):
    sample = Sample()
    start_at = time.time() + 3 + 0.5 * users  # everyone logged in and warmed up by then
    with ProcessPoolExecutor(max_workers=users, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(user_loop, base_url, args.email, args.password, args.duration,
                               i, start_at) for i in range(users)]
        for future in futures:
            latencies, failures, errors = future.result(timeout=args.duration + 120)
            for name in ENDPOINTS:
                sample.latencies[name].extend(latencies[name])
                sample.failures[name] += failures[name]
            sample.errors.extend(errors)
    return sample, args.duration


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per user count")
    parser.add_argument("--users", default="2,8")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--db", default="ncc_bench")
    parser.add_argument("--pghost", default="127.0.0.1")
    parser.add_argument("--pgport", type=int, default=5432)
    parser.add_argument("--pguser", default="postgres")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--email", default="owner@walkeasy.example")
    parser.add_argument("--password", default="walkeasy-demo")
    args = parser.parse_args()
    user_counts = [int(u) for u in args.users.split(",")]
    if shutil.which("psql") is None:
        raise SystemExit("psql is needed to create the benchmark database")

    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update({
        "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"postgres://{args.pguser}@{args.pghost}:{args.pgport}/{args.db}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    })
    prepare_database(args, env)
    run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env, 120)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc, log = start_gunicorn(env, port, args)
    try:
        wait_ready(base_url)
        print(f"\ngunicorn {args.workers}x{args.threads} threads, DEBUG off, PostgreSQL "
              f"{args.db}, {args.duration:.0f} s per run, {os.cpu_count()} CPUs\n")
        header = (f"{'users':>5}  {'endpoint':<15} {'requests':>8} {'failures':>8} "
                  f"{'rps':>7} {'p50_ms':>7} {'p95_ms':>7} {'max_ms':>7}")
        print(header)
        print("-" * len(header))
        totals = {}
        for users in user_counts:
            cpu_before, load_before = group_cpu_seconds(proc.pid), os.getloadavg()[0]
            sample, elapsed = measure(base_url, args, users)
            cpu_used = group_cpu_seconds(proc.pid) - cpu_before
            everything = [ms for values in sample.latencies.values() for ms in values]
            for name in ENDPOINTS:
                values = sample.latencies[name]
                print(f"{users:>5}  {name:<15} {len(values):>8} {sample.failures[name]:>8} "
                      f"{len(values) / elapsed:>7.1f} {statistics.median(values) if values else 0:>7.1f} "
                      f"{percentile(values, 95):>7.1f} {max(values, default=0):>7.1f}")
            failures = sum(sample.failures.values())
            totals[users] = (len(everything) + failures, failures, percentile(everything, 95),
                             len(everything) / elapsed)
            print(f"{users:>5}  {'all':<15} {totals[users][0]:>8} {failures:>8} "
                  f"{totals[users][3]:>7.1f} {statistics.median(everything) if everything else 0:>7.1f} "
                  f"{totals[users][2]:>7.1f} {max(everything, default=0):>7.1f}")
            served = max(1, len(everything))
            print(f"       gunicorn CPU {cpu_used * 1000 / served:.1f} ms per request; load "
                  f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
            for error in sample.errors[:5]:
                print(f"       failure: {error}")
            print()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    last = max(user_counts)
    requests, failures, p95, rps = totals[last]
    print(f"RESULT users={last} requests={requests} failures={failures} p95_ms={p95:.1f} "
          f"rps={rps:.1f}")


if __name__ == "__main__":
    main()
