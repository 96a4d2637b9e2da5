#!/usr/bin/env python3
"""Load script for the SCIM server: provisioning rate and filter latency on a large directory.

1. Starts the release binary on a fresh data directory (SQLite, or a new PostgreSQL database with
   --backend postgres), creates an organization and a SCIM token with the CLI.
2. Provisions --post-users Users one POST at a time from --clients keep-alive connections (what
   Okta and Entra ID do), then --bulk-users by /Bulk in requests of 1000 operations; prints
   Users per second and per-request latency for both.
3. Fills the organization up to --total Users (by /Bulk), then measures with wrk (one connection
   for latency, four for throughput) the filters a directory sends: `userName eq`, `externalId
   eq`, `emails co` (a substring: no index can answer it), and a Group membership check.

Every User has a name, a work email, an externalId and an enterprise department, so each one is
about a dozen stored values, as a real directory's are.

Usage: cargo build --release && python3 bench/scim_load.py [--backend sqlite|postgres]
       [--post-users 10000] [--bulk-users 10000] [--total 100000] [--seconds 8]
Needs wrk (Debian package `wrk`) and, for PostgreSQL, psql and the local server of the README.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

# The same helpers as the B2B script: binary path, CLI, psql, server start.
from b2b_load import BINARY, PG, cli, free_port, psql, start_server  # noqa: E402

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def user(n):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": f"user{n:06d}@acme.test",
        "externalId": f"ext-{n:06d}",
        "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
        "displayName": f"Given{n} Family{n}",
        "emails": [{"value": f"user{n:06d}@acme.test", "type": "work", "primary": True}],
        "active": True,
        ENTERPRISE: {"department": f"dept-{n % 50}", "employeeNumber": str(n)},
    }


class Client:
    """A keep-alive SCIM client."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/scim+json"}

    def send(self, method, path, body=None):
        self.conn.request(method, f"/scim/v2{path}",
                          body=None if body is None else json.dumps(body), headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None


def provision_by_post(port, token, first, count, clients, analyze=None):
    latencies = []
    lock = threading.Lock()
    failures = []

    def work(start, step):
        client = Client(port, token)
        mine = []
        for i, n in enumerate(range(first + start, first + count, step)):
            if analyze and start == 0 and i % 500 == 0:
                analyze()
            t = time.perf_counter()
            status, body = client.send("POST", "/Users", user(n))
            mine.append(time.perf_counter() - t)
            if status != 201:
                failures.append((status, body))
                return
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i, clients)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        sys.exit(f"POST failed: {failures[0]}")
    return elapsed, latencies


def provision_by_bulk(port, token, first, count, per_request=1000, analyze=None):
    client = Client(port, token)
    latencies = []
    started = time.perf_counter()
    for start in range(first, first + count, per_request):
        if analyze and start % 10_000 == 0:
            analyze()
        ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{n}", "data": user(n)}
               for n in range(start, min(start + per_request, first + count))]
        t = time.perf_counter()
        status, body = client.send("POST", "/Bulk", {"schemas": [BULK], "Operations": ops})
        latencies.append(time.perf_counter() - t)
        bad = [o for o in (body or {}).get("Operations", []) if o.get("status") != "201"]
        if status != 200 or bad:
            sys.exit(f"Bulk failed: {status} {bad[:1] or body}")
    return time.perf_counter() - started, latencies


def wrk(url, token, seconds, connections):
    out = subprocess.run(
        ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
         "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} failed requests\n{out}")
    return (float(rate.group(1)) if rate else 0.0, p50.group(1) if p50 else "?",
            p99.group(1) if p99 else "?")


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--post-users", type=int, default=10_000)
    parser.add_argument("--bulk-users", type=int, default=10_000)
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--keep", action="store_true",
                        help="keep the data directory (SQLite) to inspect query plans")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run cargo build --release first")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    data = tempfile.mkdtemp(prefix="tessera-scim-")
    port = free_port()
    env = dict(os.environ, TESSERA_DATA_DIR=data, TESSERA_LOG="warn")
    env.pop("TESSERA_CONFIG", None)
    database = None
    if args.backend == "postgres":
        database = f"bench_{uuid.uuid4().hex[:12]}"
        psql("postgres", f"CREATE DATABASE {database}")
        env["TESSERA_DATABASE_URL"] = f"{PG}/{database}"
    cli(env, "migrate")
    cli(env, "org", "create", "--name", "Acme", "--slug", "acme")
    token = cli(env, "scim", "token", "create", "--org", "acme", "--json")["secret"]
    server = start_server(env, port)
    try:
        print(f"SCIM on {args.backend}")
        # This machine's PostgreSQL runs with autovacuum off: without fresh statistics, plans
        # cached while the tables were empty (sequential scans) would stay. Analyze as
        # autovacuum would (every 2,000 Users while POSTing, every 10,000 by Bulk).
        analyze = (lambda: psql(database, "ANALYZE")) if database else None
        elapsed, lat = provision_by_post(port, token, 0, args.post_users, args.clients, analyze)
        lat.sort()
        if lat:
            print(f"POST: {args.post_users} Users in {elapsed:.1f} s = "
                  f"{args.post_users / elapsed:.0f}/s ({args.clients} clients); per request p50 "
                  f"{ms(statistics.median(lat))}, p99 {ms(lat[int(len(lat) * 0.99)])}")
        first = args.post_users
        elapsed, lat = provision_by_bulk(port, token, first, args.bulk_users, analyze=analyze)
        print(f"Bulk: {args.bulk_users} Users in {elapsed:.1f} s = {args.bulk_users / elapsed:.0f}/s "
              f"(1000 operations per request, {ms(statistics.median(lat))} per request)")
        first += args.bulk_users
        if args.total > first:
            t = time.perf_counter()
            provision_by_bulk(port, token, first, args.total - first, analyze=analyze)
            print(f"filled to {args.total} Users in {time.perf_counter() - t:.0f} s more")
        if database:
            # The steady state autovacuum keeps: statistics, and a visibility map that lets
            # PostgreSQL answer from the value index alone.
            psql(database, "VACUUM ANALYZE")
        client = Client(port, token)
        members = [client.send("GET", "/Users?filter=" + urllib.parse.quote(
            f'userName eq "user{n:06d}@acme.test"') + "&attributes=id")[1]["Resources"][0]["id"]
            for n in range(0, 2000, 20)]
        status, group = client.send("POST", "/Groups", {
            "displayName": "Engineering", "members": [{"value": m} for m in members]})
        if status != 201:
            sys.exit(f"group: {status} {group}")
        base = f"http://127.0.0.1:{port}/scim/v2"
        middle = args.total // 2 + 7
        filters = [
            ("userName eq", "Users", 'userName eq "USER%06d@acme.test"' % middle),
            ("externalId eq", "Users", 'externalId eq "ext-%06d"' % middle),
            ("emails co (substring)", "Users", 'emails co "%06d"' % middle),
            ("emails[type eq work and value sw]", "Users",
             'emails[type eq "work" and value sw "user%06d"]' % middle),
            ("department eq, count=10", "Users", '%s:department eq "dept-7"' % ENTERPRISE),
            ("group membership check", "Groups",
             'id eq "%s" and members[value eq "%s"]' % (group["id"], members[40])),
        ]
        cases = []
        for name, endpoint, text in filters:
            extra = "&count=10" if "count=10" in name else ""
            extra += "&excludedAttributes=members" if endpoint == "Groups" else ""
            cases.append((name, f"{base}/{endpoint}?filter={urllib.parse.quote(text)}{extra}"))
        print(f"\nfilters over {args.total} Users, wrk for {args.seconds} s each:")
        print(f"{'filter':<36} {'1 conn p50':>11} {'p99':>9} {'4 conn req/s':>13} {'p99':>9}")
        for name, url in cases:
            _, p50_1, p99_1 = wrk(url, token, args.seconds, 1)
            rate4, _, p99_4 = wrk(url, token, args.seconds, 4)
            print(f"{name:<36} {p50_1:>11} {p99_1:>9} {rate4:>13.0f} {p99_4:>9}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.keep:
            print(f"kept {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
        if database:
            psql("postgres", f"DROP DATABASE {database}")


if __name__ == "__main__":
    main()
