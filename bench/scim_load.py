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
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "tessera")
PG = "postgres://postgres@127.0.0.1:5432"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env, *args):
    out = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"tessera {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if "--json" in args else out.stdout


def psql(database, sql):
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-c", sql],
                   check=True, capture_output=True)


def start_server(env, port):
    server = subprocess.Popen([BINARY, "serve", "--bind", f"127.0.0.1:{port}", "--issuer",
                               f"http://127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    sys.exit("the server did not start")


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


def provision_by_post(port, token, first, count, clients):
    latencies = []
    lock = threading.Lock()
    failures = []

    def work(start, step):
        client = Client(port, token)
        mine = []
        for n in range(first + start, first + count, step):
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


def provision_by_bulk(port, token, first, count, per_request=1000):
    client = Client(port, token)
    latencies = []
    started = time.perf_counter()
    for start in range(first, first + count, per_request):
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
        elapsed, lat = provision_by_post(port, token, 0, args.post_users, args.clients)
        lat.sort()
        print(f"POST: {args.post_users} Users in {elapsed:.1f} s = {args.post_users / elapsed:.0f}/s "
              f"({args.clients} clients); per request p50 {ms(statistics.median(lat))}, "
              f"p99 {ms(lat[int(len(lat) * 0.99)])}")
        first = args.post_users
        elapsed, lat = provision_by_bulk(port, token, first, args.bulk_users)
        print(f"Bulk: {args.bulk_users} Users in {elapsed:.1f} s = {args.bulk_users / elapsed:.0f}/s "
              f"(1000 operations per request, {ms(statistics.median(lat))} per request)")
        first += args.bulk_users
        if args.total > first:
            t = time.perf_counter()
            provision_by_bulk(port, token, first, args.total - first)
            print(f"filled to {args.total} Users in {time.perf_counter() - t:.0f} s more")
        client = Client(port, token)
        members = [client.send("GET", "/Users?filter=" + urllib.parse.quote(
            f'userName eq "user{n:06d}@acme.test"') + "&attributes=id")[1]["Resources"][0]["id"]
            for n in range(0, 2000, 20)]
        status, group = client.send("POST", "/Groups", {
            "displayName": "Engineering", "members": [{"value": m} for m in members]})
        if status != 201:
            sys.exit(f"group: {status} {group}")
        base = f"http://127.0.0.1:{port}/scim/v2"
        q = lambda f: urllib.parse.quote(f)  # noqa: E731
        middle = args.total // 2 + 7
        cases = [
            ("userName eq", f'{base}/Users?filter={q(f"userName eq \"USER{middle:06d}@acme.test\"")}'),
            ("externalId eq", f'{base}/Users?filter={q(f"externalId eq \"ext-{middle:06d}\"")}'),
            ("emails co (substring)", f'{base}/Users?filter={q(f"emails co \"{middle:06d}\"")}'),
            ("emails[type eq work and value sw]",
             f'{base}/Users?filter={q(f"emails[type eq \"work\" and value sw \"user{middle:06d}\"]")}'),
            ("department eq, count=10", f'{base}/Users?count=10&filter={q(f"{ENTERPRISE}:department eq \"dept-7\"")}'),
            ("group membership check",
             f'{base}/Groups?excludedAttributes=members&filter={q(f"id eq \"{group["id"]}\" and members[value eq \"{members[40]}\"]")}'),
        ]
        print(f"\nfilters over {args.total} Users, wrk for {args.seconds} s each:")
        print(f"{'filter':<36} {'1 conn p50':>11} {'p99':>9} {'4 conn req/s':>13} {'p99':>9}")
        for name, url in cases:
            _, p50_1, p99_1 = wrk(url, token, args.seconds, 1)
            rate4, _, p99_4 = wrk(url, token, args.seconds, 4)
            print(f"{name:<36} {p50_1:>11} {p99_1:>9} {rate4:>13.0f} {p99_4:>9}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
        if database:
            psql("postgres", f"DROP DATABASE {database}")


if __name__ == "__main__":
    main()
