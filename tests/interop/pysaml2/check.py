"""pysaml2 against a running Tessera, both ways. Environment: BASE (Tessera's URL), DATA (its
data directory: keys made by run.sh, development mail), TESSERA (the binary), EMAIL, PASSWORD."""

import base64
import html
import json
import os
import re
import subprocess
import sys
import urllib.parse
import warnings

import requests

warnings.filterwarnings("ignore")

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import IdPConfig, SPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256  # noqa: E402

BASE, DATA, TESSERA = os.environ["BASE"], os.environ["DATA"], os.environ["TESSERA"]
EMAIL, PASSWORD = os.environ["EMAIL"], os.environ["PASSWORD"]
SP_ID, IDP_ID = "http://sp.pysaml2.test/metadata", "http://idp.pysaml2.test/metadata"


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def cli(*args):
    run = subprocess.run([TESSERA, *args, "--json"], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"tessera {' '.join(args)}: {run.stderr}")
    return json.loads(run.stdout) if run.stdout.strip() else None


def form_of(body):
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', body).group(1))
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body)
    }
    return action, fields


def common(entity_id, key, extra):
    config = {
        "entityid": entity_id,
        "key_file": f"{DATA}/{key}.key",
        "cert_file": f"{DATA}/{key}.crt",
        "encryption_keypairs": [{"key_file": f"{DATA}/{key}.key", "cert_file": f"{DATA}/{key}.crt"}],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "accepted_time_diff": 60,
        "allow_unknown_attributes": True,
    }
    config.update(extra)
    return config


def pysaml2_as_service_provider():
    idp_metadata = requests.get(f"{BASE}/saml/idp/metadata").text
    check("IDPSSODescriptor" in idp_metadata, "Tessera serves IdP metadata")
    sp_config = SPConfig()
    sp_config.load(common(SP_ID, "sp", {
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": [("https://sp.pysaml2.test/acs", BINDING_HTTP_POST)],
                "single_logout_service": [("https://sp.pysaml2.test/slo", BINDING_HTTP_REDIRECT)],
            },
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": True,
            "allow_unsolicited": False,
        }},
        "metadata": {"inline": [idp_metadata]},
    }))
    with open(f"{DATA}/sp.xml", "w") as f:
        f.write(create_metadata_string(None, config=sp_config, sign=False).decode())
    app = cli("saml", "app", "add", "--metadata-file", f"{DATA}/sp.xml", "--name", "pysaml2")
    check(app["requests_signed"], "the SP's metadata says it signs requests")
    client = Saml2Client(config=sp_config)
    idp_entity = f"{BASE}/saml/idp/metadata"

    # A signed HTTP-Redirect AuthnRequest; Tessera asks the person to sign in.
    request_id, info = client.prepare_for_authenticate(
        entityid=idp_entity, relay_state="rs-1", binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    browser = requests.Session()
    page = browser.get(location, allow_redirects=False)
    check(page.status_code == 303 and page.headers["location"].startswith("/saml/idp/resume/"), "Tessera takes the request")
    page = browser.get(BASE + page.headers["location"], allow_redirects=False)
    check(page.status_code == 303 and "/sign-in" in page.headers["location"], "Tessera sends the person to sign in")
    sign_in = browser.get(BASE + page.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text).group(1)
    return_to = html.unescape(re.search(r'name="return_to" value="([^"]+)"', sign_in.text).group(1))
    signed = browser.post(f"{BASE}/sign-in", data={
        "csrf_token": csrf, "email": EMAIL, "password": PASSWORD, "return_to": return_to}, allow_redirects=False)
    check(signed.status_code == 303, "signed in at Tessera")
    page = browser.get(BASE + signed.headers["location"], allow_redirects=False)
    action, fields = form_of(page.text)
    check(action == "https://sp.pysaml2.test/acs" and fields.get("RelayState") == "rs-1", "the form goes to the registered ACS with the RelayState")

    response = client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
    check(response is not None, "pysaml2 accepts Tessera's signed response")
    identity = response.get_identity()
    check(identity.get("email") == [EMAIL], f"attributes reach pysaml2: {identity}")
    name_id = response.name_id
    check(name_id.text == EMAIL, "the NameID is the email address")
    session_index = [response.assertion.authn_statement[0].session_index]

    # Single Logout, started by pysaml2 with a signed HTTP-Redirect LogoutRequest.
    _, request = client.create_logout_request(
        f"{BASE}/saml/idp/slo", idp_entity, name_id=name_id, session_indexes=session_index, sign=False)
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), f"{BASE}/saml/idp/slo", "rs-2", sign=True, sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    page = browser.get(location, allow_redirects=False)
    check(page.status_code == 303 and page.headers["location"].startswith("https://sp.pysaml2.test/slo"), "Tessera answers the LogoutRequest at the SP's SLO URL")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.headers["location"]).query))
    logout = client.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
    check(logout.status_ok(), "pysaml2 accepts Tessera's LogoutResponse")
    account = browser.get(f"{BASE}/account", allow_redirects=False)
    check(account.status_code == 303, "the Tessera session has ended")


def verify_domain():
    cli("org", "create", "--name", "Acme")
    cli("domain", "add", "--org", "acme", "acme.com")
    cli("domain", "send-code", "--org", "acme", "acme.com", "--email", "it@acme.com")
    mails = sorted(os.listdir(f"{DATA}/mail"))
    text = "".join(open(f"{DATA}/mail/{m}", errors="replace").read() for m in mails)
    code = re.findall(r"\b(\d{8})\b", text)[-1]
    cli("domain", "verify", "--org", "acme", "acme.com", "--code", code)


def pysaml2_as_identity_provider():
    verify_domain()
    idp_config = IdPConfig()
    settings = {
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [("https://idp.pysaml2.test/sso", BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "sign_response": True,
            "sign_assertion": True,
        }},
    }
    idp_config.load(common(IDP_ID, "idp", settings))
    with open(f"{DATA}/idp.xml", "w") as f:
        f.write(create_metadata_string(None, config=idp_config, sign=False).decode())
    connection = cli("saml", "connection", "add", "--org", "acme", "--metadata-file", f"{DATA}/idp.xml", "--domain", "acme.com")
    sp_metadata = requests.get(f"{BASE}/saml/sp/{connection['id']}/metadata").text
    settings["metadata"] = {"inline": [sp_metadata]}
    idp_config = IdPConfig()
    idp_config.load(common(IDP_ID, "idp", settings))
    server = Server(config=idp_config)

    browser = requests.Session()
    start = browser.get(f"{BASE}/saml/sp/{connection['id']}/sso?return_to=/account", allow_redirects=False)
    location = start.headers["location"]
    check(location.startswith("https://idp.pysaml2.test/sso?SAMLRequest="), "Tessera sends an AuthnRequest to the pysaml2 IdP")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    request = server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
    check(request is not None, "pysaml2 reads Tessera's AuthnRequest")
    message = request.message
    sp_entity = message.issuer.text
    response = server.create_authn_response(
        identity={"mail": ["grace@acme.com"], "givenName": ["Grace"], "sn": ["Hopper"]},
        in_response_to=message.id,
        destination=message.assertion_consumer_service_url,
        sp_entity_id=sp_entity,
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text="pysaml2-grace", sp_name_qualifier=sp_entity),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
        sign_response=True,
        sign_assertion=True,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    posted = browser.post(message.assertion_consumer_service_url, data={
        "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
        "RelayState": query.get("RelayState", ""),
    }, allow_redirects=False)
    check(posted.status_code == 303 and posted.headers["location"] == "/account", f"Tessera accepts pysaml2's response ({posted.status_code})")
    account = browser.get(f"{BASE}/account", allow_redirects=False)
    check(account.status_code == 200 and "grace@acme.com" in account.text, "signed in at Tessera as the asserted person")
    user = cli("user", "show", "grace@acme.com")
    check(user["given_name"] == "Grace" and user["family_name"] == "Hopper", "names from pysaml2's attributes")

    # The same response again is a replay.
    again = browser.post(message.assertion_consumer_service_url, data={
        "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
        "RelayState": query.get("RelayState", ""),
    }, allow_redirects=False)
    check(again.status_code == 400, "a replayed pysaml2 response is refused")


pysaml2_as_service_provider()
pysaml2_as_identity_provider()
print("pysaml2 interop: all checks passed")
