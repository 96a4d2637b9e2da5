#!/usr/bin/env python3
"""Load script for the B2B parts: admin API list latency on a large directory, and webhook
delivery throughput.

1. Lists: seeds 100,000 users and 10,000 organizations (each with 5 members) straight into a
   fresh, migrated database (SQLite file, or a new PostgreSQL database with --backend postgres),
   starts the release binary, makes an admin API key with the CLI, and measures with wrk:
   the first page of users, a deep page (a cursor near the end), a search, a filter by
   organization, the first page of organizations, and an organization's members.
2. Webhooks: registers an endpoint pointing at a minimal local receiver (asyncio, keep-alive,
   answers 204), writes N events into the outbox in one transaction (as N changes would), starts
   the server and times how long its worker takes to deliver them all: deliveries per second.

Usage: cargo build --release && python3 bench/b2b_load.py [--backend sqlite|postgres]
       [--users 100000] [--orgs 10000] [--events 5000] [--seconds 10]
Needs wrk (Debian package `wrk`) and, for PostgreSQL, psql and the local server of the README.
"""

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "tessera")
PG = "postgres://postgres@127.0.0.1:5432"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uuid7(ms, seq):
    """A UUIDv7-shaped, time-ordered id (ids order rows the way Tessera's do)."""
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (seq & 0xFFF) << 64 | 0b10 << 62 | (
        uuid.uuid4().int & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def cli(env, *args):
    out = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"tessera {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if "--json" in args else out.stdout


def rows(users, orgs):
    now = int(time.time())
    base_ms = now * 1000 - 10_000_000
    user_rows = [
        (uuid7(base_ms + i, i), f"user{i}@example{i % 500}.com", i % 3 != 0, f"User {i}", now, now)
        for i in range(users)
    ]
    org_rows = [
        (uuid7(base_ms + i, i), f"org-{i}", f"Organization {i}", now, now) for i in range(orgs)
    ]
    roles = []
    members = []
    for i, (org_id, *_rest) in enumerate(org_rows):
        roles.append((org_id, "admin", "Admin", '["org:*"]', True, now, now))
        roles.append((org_id, "member", "Member", "[]", True, now, now))
        for k in range(5):
            user_id = user_rows[(i * 5 + k) % users][0]
            members.append((org_id, user_id, "admin" if k == 0 else "member", now, now))
    return user_rows, org_rows, roles, members


def seed_sqlite(path, users, orgs):
    user_rows, org_rows, roles, members = rows(users, orgs)
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO users (id, email, email_verified, name, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", user_rows)
        db.executemany(
            "INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            org_rows)
        db.executemany(
            "INSERT INTO organization_roles (organization_id, role_key, name, permissions, built_in, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", roles)
        db.executemany(
            "INSERT INTO memberships (organization_id, user_id, role_key, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)", members)
    db.execute("ANALYZE")
    db.close()
    return user_rows, org_rows


def psql(database, sql, stdin=None):
    out = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{PG}/{database}", "-c", sql],
                         input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"psql failed: {out.stderr}")
    return out.stdout


def copy_pg(database, table, columns, data):
    lines = "\n".join("\t".join("t" if v is True else "f" if v is False else str(v) for v in r)
                      for r in data) + "\n"
    psql(database, f"\\copy {table} ({', '.join(columns)}) FROM STDIN", stdin=lines)


def seed_pg(database, users, orgs):
    user_rows, org_rows, roles, members = rows(users, orgs)
    copy_pg(database, "users", ["id", "email", "email_verified", "name", "created_at", "updated_at"],
            user_rows)
    copy_pg(database, "organizations", ["id", "slug", "name", "created_at", "updated_at"], org_rows)
    copy_pg(database, "organization_roles", ["organization_id", "role_key", "name", "permissions",
                                             "built_in", "created_at", "updated_at"], roles)
    copy_pg(database, "memberships", ["organization_id", "user_id", "role_key", "created_at",
                                      "updated_at"], members)
    psql(database, "ANALYZE")
    return user_rows, org_rows


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


def wrk(url, key, seconds, connections=4):
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-H", f"Authorization: Bearer {key}", url],
        capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} failed requests\n{out}")
    return (float(rate.group(1)) if rate else 0.0, p50.group(1) if p50 else "?",
            p99.group(1) if p99 else "?")


class Receiver:
    """A minimal keep-alive HTTP receiver that answers 204 and counts requests."""

    def __init__(self):
        self.port = free_port()
        self.count = 0
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait()

    def _run(self):
        asyncio.run(self._serve())

    async def _serve(self):
        server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.ready.set()
        async with server:
            await server.serve_forever()

    async def _client(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                match = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if match:
                    await reader.readexactly(int(match.group(1)))
                self.count += 1
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run cargo build --release first")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    data = tempfile.mkdtemp(prefix="tessera-b2b-")
    port = free_port()
    env = dict(os.environ, TESSERA_DATA_DIR=data, TESSERA_LOG="warn")
    env.pop("TESSERA_CONFIG", None)
    if args.backend == "postgres":
        database = f"bench_{uuid.uuid4().hex[:12]}"
        psql("postgres", f"CREATE DATABASE {database}")
        env["TESSERA_DATABASE_URL"] = f"{PG}/{database}"
    cli(env, "migrate")
    started = time.time()
    if args.backend == "postgres":
        user_rows, org_rows = seed_pg(database, args.users, args.orgs)
    else:
        user_rows, org_rows = seed_sqlite(os.path.join(data, "tessera.db"), args.users, args.orgs)
    print(f"seeded {args.users} users and {args.orgs} organizations in {time.time() - started:.1f} s")
    key = cli(env, "apikey", "create", "--name", "bench", "--json")["secret"]

    # Webhook events waiting in the outbox before the server starts (as if written by changes).
    receiver = Receiver()
    endpoint = cli(env, "webhook", "add", "--url", f"http://127.0.0.1:{receiver.port}/hook",
                   "--json")["id"]
    now = int(time.time())
    body = json.dumps({"type": "user.updated", "timestamp": "2026-11-26T00:00:00Z",
                       "data": {"id": "x"}})
    messages = [(f"msg_{uuid.uuid4().hex}", "user.updated", body, now) for _ in range(args.events)]
    deliveries = [(str(uuid.uuid4()), m[0], endpoint, "pending", 0, now, 0, now + 86400, now, now)
                  for m in messages]
    cols = "id, message_id, endpoint_id, state, attempts, next_attempt_at, held_until, give_up_at, created_at, updated_at"
    if args.backend == "postgres":
        copy_pg(database, "webhook_messages", ["id", "event_type", "body", "created_at"], messages)
        copy_pg(database, "webhook_deliveries", cols.split(", "), deliveries)
    else:
        db = sqlite3.connect(os.path.join(data, "tessera.db"))
        with db:
            db.executemany("INSERT INTO webhook_messages VALUES (?, ?, ?, ?)", messages)
            db.executemany(f"INSERT INTO webhook_deliveries ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           deliveries)
        db.close()

    server = start_server(env, port)
    try:
        t0 = time.time()
        while receiver.count < args.events and time.time() - t0 < 600:
            time.sleep(0.05)
        elapsed = time.time() - t0
        print(f"webhooks: {receiver.count} of {args.events} delivered in {elapsed:.2f} s: "
              f"{receiver.count / elapsed:.0f} deliveries/s (signed, logged, each its own try)")

        base = f"http://127.0.0.1:{port}/admin/v1"
        deep = user_rows[-60][0]
        cursor = base64.urlsafe_b64encode(deep.encode()).decode().rstrip("=")
        org_slug = org_rows[len(org_rows) // 2][1]
        cases = [
            ("users, first page (50)", f"{base}/users?limit=50"),
            ("users, deep page (cursor near the end)", f"{base}/users?limit=50&cursor={cursor}"),
            ("users, search 'user9999'", f"{base}/users?search=user9999&limit=50"),
            ("users, exact email", f"{base}/users?email=user77777@example277.com"),
            ("users, by organization", f"{base}/users?organization={org_slug}"),
            ("organizations, first page (50)", f"{base}/organizations?limit=50"),
            ("organizations, search 'Organization 99'", f"{base}/organizations?search=Organization%2099&limit=50"),
            ("an organization's members", f"{base}/organizations/{org_slug}/memberships"),
        ]
        print(f"\nadmin API on {args.backend}, {args.users} users, {args.orgs} organizations, "
              f"wrk -c 4 for {args.seconds} s each:")
        print(f"{'route':<44} {'req/s':>8} {'p50':>9} {'p99':>9}")
        for name, url in cases:
            rate, p50, p99 = wrk(url, key, args.seconds)
            print(f"{name:<44} {rate:>8.0f} {p50:>9} {p99:>9}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
        if args.backend == "postgres":
            psql("postgres", f"DROP DATABASE {database}")


if __name__ == "__main__":
    main()
