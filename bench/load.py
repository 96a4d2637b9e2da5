#!/usr/bin/env python3
"""Load script for Tessera: start-up time, memory, sign-in throughput and the sign-in page.

Starts the release binary on a fresh data directory (SQLite) and measures:
  - time from process start to /readyz answering 200,
  - idle RSS, and peak RSS under the sign-in load,
  - sign-ins per second with N concurrent clients (each a full POST /sign-in that verifies an
    argon2id hash and creates a session),
  - median latency of a wrong password vs an unknown email (they must cost the same),
  - requests per second for GET /sign-in (with wrk when installed, else Python threads).

Usage: cargo build --release && python3 bench/load.py [--seconds 20] [--clients 4]
Only the Python standard library is needed.
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

PASSWORD = "correct horse battery staple"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                val = rest.split(";")[0]
                if val and "Max-Age=0" not in value:
                    self.cookies[name] = val
                else:
                    self.cookies.pop(name, None)
        return response.status, data

    def csrf(self):
        _, page = self.request("GET", "/sign-in")
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(self, token, email, password):
        status, _ = self.request("POST", "/sign-in", {"csrf_token": token, "email": email, "password": password})
        self.cookies.pop("tessera_session", None)
        return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.environ.get("TESSERA_BIN", "target/release/tessera"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="tessera-bench-")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "TESSERA_DATA_DIR": data,
        "TESSERA_LOG": "warn",
        # The benchmark signs in thousands of times from one address.
        "TESSERA_SIGN_IN_THROTTLE__IP_MAX_FAILURES": "100000000",
        "TESSERA_SIGN_IN_THROTTLE__ACCOUNT_MAX_FAILURES": "100000000",
    })
    env.pop("TESSERA_DATABASE_URL", None)
    create = subprocess.run([args.binary, "user", "create", "--email", "bench@example.com", "--password-stdin", "--verified"],
                            input=PASSWORD + "\n", env=env, capture_output=True, text=True)
    if create.returncode != 0:
        sys.exit(create.stderr)

    started = time.perf_counter()
    server = subprocess.Popen([args.binary, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.002)
    ready_ms = (time.perf_counter() - started) * 1000
    time.sleep(1)
    idle_rss = rss_kib(server.pid)
    results = {"start_to_ready_ms": round(ready_ms, 1), "idle_rss_before_any_sign_in_mib": round(idle_rss / 1024, 1)}

    try:
        # One client, one sign-in at a time: latency against the bare argon2 cost.
        client = Client(port)
        token = client.csrf()
        latencies = []
        for _ in range(60):
            t0 = time.perf_counter()
            assert client.sign_in(token, "bench@example.com", PASSWORD) == 303
            latencies.append((time.perf_counter() - t0) * 1000)
        results["sign_in_sequential_median_ms"] = round(statistics.median(latencies), 2)
        results["rss_after_first_sign_ins_mib"] = round(rss_kib(server.pid) / 1024, 1)

        # Sign-in throughput.
        counts = [0] * args.clients
        errors = [0] * args.clients
        peak = [idle_rss]
        stop = time.perf_counter() + args.seconds

        def worker(i):
            client = Client(port)
            token = client.csrf()
            while time.perf_counter() < stop:
                status = client.sign_in(token, "bench@example.com", PASSWORD)
                if status == 303:
                    counts[i] += 1
                else:
                    errors[i] += 1

        def sampler():
            while time.perf_counter() < stop:
                peak[0] = max(peak[0], rss_kib(server.pid))
                time.sleep(0.1)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
        threads.append(threading.Thread(target=sampler))
        begin = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - begin
        results["sign_ins_per_second"] = round(sum(counts) / elapsed, 1)
        results["sign_in_errors"] = sum(errors)
        results["clients"] = args.clients
        results["peak_rss_under_load_mib"] = round(peak[0] / 1024, 1)

        # Wrong password vs unknown email, one at a time.
        client = Client(port)
        token = client.csrf()
        timings = {"wrong_password": [], "unknown_email": []}
        for _ in range(40):
            for kind, email in (("wrong_password", "bench@example.com"), ("unknown_email", "nobody@example.com")):
                t0 = time.perf_counter()
                status = client.sign_in(token, email, "not the password at all")
                timings[kind].append((time.perf_counter() - t0) * 1000)
                assert status == 401, status
        for kind, values in timings.items():
            results[f"{kind}_median_ms"] = round(statistics.median(values), 2)

        # GET /sign-in.
        if shutil.which("wrk"):
            out = subprocess.run(["wrk", "-t2", "-c32", "-d10s", f"http://127.0.0.1:{port}/sign-in"],
                                 capture_output=True, text=True).stdout
            match = re.search(r"Requests/sec:\s+([\d.]+)", out)
            results["sign_in_page_requests_per_second"] = float(match.group(1)) if match else out
            results["sign_in_page_tool"] = "wrk -t2 -c32 -d10s"
        else:
            done = [0] * 8
            stop = time.perf_counter() + 10

            def getter(i):
                client = Client(port)
                while time.perf_counter() < stop:
                    client.request("GET", "/sign-in")
                    done[i] += 1

            threads = [threading.Thread(target=getter, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            results["sign_in_page_requests_per_second"] = round(sum(done) / 10, 1)
            results["sign_in_page_tool"] = "python threads (client-bound; install wrk for a real number)"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
