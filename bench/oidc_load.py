#!/usr/bin/env python3
"""Load script for Tessera's OpenID Connect endpoints, driven by wrk.

Starts the release binary on a fresh database (SQLite file, or a new PostgreSQL database with
--backend postgres), registers clients and a user with the CLI, signs the user in through the real
authorization code flow, then measures with wrk:
  - client_credentials grants (POST /token, HTTP Basic, an ES256 access token each),
  - UserInfo (GET /userinfo with a bearer token),
  - introspection (POST /introspect of a live access token),
  - refresh (POST /token grant_type=refresh_token; every answer rotates the token, so each wrk
    connection carries its own grant and uses the newest token it was given).
For each: requests/s, latency percentiles, and server CPU time per request (utime+stime of the
server process from /proc, divided by the requests served), at full load and at low concurrency.

Usage: cargo build --release && python3 bench/oidc_load.py [--backend sqlite|postgres]
       [--seconds 10] [--connections 16]
Needs wrk (Debian package `wrk`) and, for PostgreSQL, the local server of the README.
"""

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

PASSWORD = "correct horse battery staple"
BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "tessera")
REDIRECT = "http://127.0.0.1/callback"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def cli(env, *args, stdin=None):
    out = subprocess.run([BINARY, *args], env=env, input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"tessera {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if "--json" in args else out.stdout


class Browser:
    """Just enough of a browser to run the code flow: cookies and manual redirects."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k] = v
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), text


def field(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def code_flow(port, client_id, secret):
    """Signs the user in and returns the token response of one authorization code flow."""
    browser = Browser(port)
    query = urllib.parse.urlencode({
        "client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code",
        "scope": "openid email offline_access", "state": "bench",
    })
    status, headers, _ = browser.request("GET", f"/authorize?{query}")
    while status == 303 and headers["location"].startswith("/"):
        status, headers, html = browser.request("GET", headers["location"])
    form = {"csrf_token": field(html, "csrf_token"), "return_to": field(html, "return_to"),
            "email": "bench@example.com", "password": PASSWORD}
    status, headers, _ = browser.request("POST", "/sign-in", form)
    while status == 303 and headers["location"].startswith("/"):
        status, headers, _ = browser.request("GET", headers["location"])
    code = urllib.parse.parse_qs(urllib.parse.urlparse(headers["location"]).query)["code"][0]
    auth = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    status, _, body = browser.request(
        "POST", "/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        {"Authorization": f"Basic {auth}"})
    assert status == 200, body
    return json.loads(body)


def wrk(port, pid, name, script, connections, threads, seconds, env=None):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        path = f.name
    before = cpu_seconds(pid)
    out = subprocess.run(
        ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", path,
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env={**os.environ, **(env or {})})
    cpu = cpu_seconds(pid) - before
    os.unlink(path)
    text = out.stdout
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    latency = {p: v for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", text, re.M)}
    return {
        "scenario": name,
        "connections": connections,
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": total,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "latency_p50": latency.get("50"), "latency_p90": latency.get("90"),
        "latency_p99": latency.get("99"),
        "server_cpu_ms_per_request": round(1000 * cpu / max(total, 1), 4),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    data = tempfile.mkdtemp(prefix="tessera-bench-")
    port = free_port()
    env = {**os.environ, "TESSERA_DATA_DIR": data, "TESSERA_LOG": "warn"}
    env.pop("TESSERA_CONFIG", None)
    db_name = None
    if args.backend == "postgres":
        db_name = f"tessera_bench_{os.getpid()}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {db_name}"],
                       check=True, capture_output=True)
        env["TESSERA_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db_name}"
    cli(env, "user", "create", "--email", "bench@example.com", "--password-stdin", "--verified",
        "--json", stdin=PASSWORD + "\n")
    worker = cli(env, "client", "create", "--name", "Bench worker", "--grant-type",
                 "client_credentials", "--scope", "api:read", "--json")
    app = cli(env, "client", "create", "--name", "Bench app", "--first-party", "--redirect-uri",
              REDIRECT, "--json")
    server = subprocess.Popen([BINARY, "serve", "--bind", f"127.0.0.1:{port}", "--issuer",
                               f"http://127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        tokens = code_flow(port, app["client_id"], app["client_secret"])
        grants = [code_flow(port, app["client_id"], app["client_secret"])["refresh_token"]
                  for _ in range(4)]
        worker_auth = base64.b64encode(
            f"{worker['client_id']}:{worker['client_secret']}".encode()).decode()
        app_auth = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
        scripts = {
            "client_credentials": f"""
wrk.method = "POST"
wrk.path = "/token"
wrk.body = "grant_type=client_credentials&scope=api%3Aread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic {worker_auth}"
""",
            "userinfo": f"""
wrk.path = "/userinfo"
wrk.headers["Authorization"] = "Bearer {tokens['access_token']}"
""",
            "introspection": f"""
wrk.method = "POST"
wrk.path = "/introspect"
wrk.body = "token={tokens['access_token']}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic {app_auth}"
""",
        }
        refresh_script = f"""
-- one connection per thread, each with its own grant; every response rotates the token
local tokens = {{ {", ".join(json.dumps(t) for t in grants)} }}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("token", tokens[counter])
end
function request()
  return wrk.format("POST", "/token", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic {app_auth}",
  }}, "grant_type=refresh_token&refresh_token=" .. token)
end
function response(status, headers, body)
  local next = body:match('"refresh_token":"([^"]+)"')
  if next then token = next end
end
"""
        results = []
        for name, script in scripts.items():
            results.append(wrk(port, server.pid, name, script, args.connections, 2, args.seconds))
            results.append(wrk(port, server.pid, name, script, 2, 2, args.seconds))
        results.append(wrk(port, server.pid, "refresh", refresh_script, 2, 2, args.seconds))
        print(json.dumps({"backend": args.backend, "results": results}, indent=2))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)
        if db_name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                            f"DROP DATABASE {db_name}"], capture_output=True)


if __name__ == "__main__":
    main()
