"""Timing one page as a benchmark measures it: a warm-up of five requests, then wall and CPU
time and the query count of each request. Shared by the page benchmarks."""

import statistics
import time


def measure(client, url, rounds):
    """GET url rounds times after five warm-ups; returns (p50_ms, p95_ms, max_queries,
    cpu_p95_ms)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    timings, cpu, queries = [], [], []
    for i in range(rounds + 5):
        reset_queries()  # the query log keeps 9,000 at most; building the data may fill it
        with CaptureQueriesContext(connection) as ctx:
            c0, t0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
            cpu_ms = (time.process_time() - c0) * 1000
        assert response.status_code == 200, response.status_code
        if i >= 5:
            timings.append(elapsed)
            cpu.append(cpu_ms)
            queries.append(len(ctx.captured_queries))
    timings.sort()
    cpu.sort()
    p95 = max(int(len(timings) * 0.95) - 1, 0)
    return statistics.median(timings), timings[p95], max(queries), cpu[p95]
