//! Enterprise connections: the CLI, SP metadata, SP-initiated sign-in with JIT provisioning,
//! linking and roles from groups, encrypted assertions, IdP-initiated sign-in, home-realm
//! discovery.

use super::idp::{self, Signer};
use super::{IDP, IDP_SSO, Setup, verify_domain};
use crate::both_backends;
use crate::support::PASSWORD;

fn member_role(setup: &Setup, email: &str) -> String {
    let run = setup
        .cli
        .run(&["member", "list", "--org", "acme", "--json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let members = run.json();
    members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m.to_string().contains(email))
        .map(|m| m["role"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("{email} is not a member: {members}"))
}

both_backends! {
    fn sp_initiated_sign_in_provisions_links_and_maps_roles(backend) {
        let setup = Setup::new(backend, &["--groups-attribute", "memberOf"]);
        let cli = &setup.cli;
        assert_eq!(cli.run(&["scim", "group-role", "set", "--org", "acme", "--group", "Acme Admins", "--role", "admin"], None).code, 0);

        // SP metadata: entity id, ACS, our certificates for signing and encryption.
        let browser = setup.server.browser();
        let metadata = browser.get(&format!("/saml/sp/{}/metadata", setup.id()));
        assert_eq!(metadata.status, 200);
        assert!(metadata.header("content-type").unwrap().starts_with("application/samlmetadata+xml"));
        assert!(metadata.body.contains(&format!("entityID=\"{}\"", setup.sp())));
        assert!(metadata.body.contains(&format!("Location=\"{}\"", setup.acs())));
        assert!(metadata.body.contains("use=\"signing\"") && metadata.body.contains("use=\"encryption\""));
        assert!(metadata.body.contains("aes256-gcm") && !metadata.body.contains("rsa-1_5"));
        assert_eq!(browser.get("/saml/sp/samlc_nope/metadata").status, 404);

        // SP-initiated: the AuthnRequest names us and our ACS.
        let (request_id, relay, request) = setup.start(&browser, "/account?tab=1");
        assert!(request.contains(&format!("Destination=\"{IDP_SSO}\"")), "{request}");
        assert!(request.contains(&format!("AssertionConsumerServiceURL=\"{}\"", setup.acs())));
        assert!(request.contains(&format!("<saml:Issuer>{}</saml:Issuer>", setup.sp())));
        assert!(!relay.is_empty());

        let spec = setup
            .spec(Some(&request_id), "ada@acme.com")
            .attribute("email", &["Ada@Acme.com"])
            .attribute("firstName", &["Ada"])
            .attribute("lastName", &["Lovelace"])
            .attribute("memberOf", &["Everyone", "acme admins"]);
        let done = setup.post(&browser, &spec.signed_assertion_response(&setup.idp), Some(&relay));
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location(), "/account?tab=1", "the pending flow continues");
        assert!(browser.is_signed_in());
        browser.get("/account").assert_status(200).assert_contains("ada@acme.com");
        let ada = setup.cli.run(&["user", "show", "ada@acme.com", "--json"], None).json();
        assert_eq!(ada["given_name"], "Ada");
        assert_eq!(ada["family_name"], "Lovelace");
        assert_eq!(ada["email_verified"], true, "the domain is verified");
        assert_eq!(member_role(&setup, "ada@acme.com"), "admin", "groups decide the role");

        // Signing in again (a fully signed response this time) finds the same account.
        let again = setup.server.browser();
        let (request_id, relay, _) = setup.start(&again, "/account");
        let spec = setup.spec(Some(&request_id), "ada@acme.com").attribute("memberOf", &["Everyone"]);
        let done = setup.post(&again, &spec.fully_signed_response(&setup.idp), Some(&relay));
        assert_eq!(done.status, 303, "{}", done.body);
        let users = setup.cli.run(&["user", "list", "--json"], None).stdout;
        assert_eq!(users.matches("ada@acme.com").count(), 1, "{users}");

        // An existing, verified account at the verified domain that is a member is linked, not
        // duplicated.
        let bob = setup.server.create_user("bob@acme.com", PASSWORD);
        assert_eq!(setup.cli.run(&["member", "add", "--org", "acme", "bob@acme.com"], None).code, 0);
        let browser = setup.server.browser();
        let (request_id, relay, _) = setup.start(&browser, "/account");
        let spec = setup.spec(Some(&request_id), "idp-subject-bob").attribute("email", &["bob@acme.com"]);
        assert_eq!(setup.post(&browser, &spec.signed_assertion_response(&setup.idp), Some(&relay)).status, 303);
        browser.get("/account").assert_contains("bob@acme.com");
        let linked = setup.cli.run(&["audit", "list", "--action", "user.sign_in", "--target", &bob.id, "--json"], None).stdout;
        assert!(linked.contains("\"linked\":true") || linked.contains("\"linked\": true"), "{linked}");
        assert_eq!(member_role(&setup, "bob@acme.com"), "member", "a member added by hand keeps their role");

        // Proving the domain by one mailbox does not hand over the other accounts there: a
        // non-member's account is not taken over.
        setup.server.create_user("carol@acme.com", PASSWORD);
        let browser = setup.server.browser();
        let (request_id, relay, _) = setup.start(&browser, "/account");
        let spec = setup.spec(Some(&request_id), "carol").attribute("email", &["carol@acme.com"]);
        let refused = setup.post(&browser, &spec.signed_assertion_response(&setup.idp), Some(&relay));
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(refused.body.contains("already exists"));
        assert!(!browser.is_signed_in());
        assert_eq!(setup.last_failure(), "account");

        // Addresses outside the connection's domains: neither taken over nor pre-registered.
        setup.server.create_user("eve@elsewhere.com", PASSWORD);
        for email in ["eve@elsewhere.com", "contractor@partner.example"] {
            let browser = setup.server.browser();
            let (request_id, relay, _) = setup.start(&browser, "/account");
            let spec = setup.spec(Some(&request_id), email);
            let refused = setup.post(&browser, &spec.signed_assertion_response(&setup.idp), Some(&relay));
            assert_eq!(refused.status, 403, "{email}: {}", refused.body);
            assert!(refused.body.contains("not at a domain"), "{email}");
            assert!(!browser.is_signed_in());
        }
        assert_eq!(setup.cli.run(&["user", "show", "contractor@partner.example"], None).code, 3, "nothing written");
    }
}

both_backends! {
    fn encrypted_assertions_and_idp_initiated_sign_in(backend) {
        let setup = Setup::new(backend, &[]);
        let browser = setup.server.browser();
        let metadata = browser.get(&format!("/saml/sp/{}/metadata", setup.id())).body;
        let cert = idp::attribute_of(&metadata.replace("<ds:X509Certificate>", "<ds:X509Certificate v=\"").replace("</ds:X509Certificate>", "\"/>"), "X509Certificate", "v");

        // AES-256-GCM content, RSA-OAEP key transport, the assertion signed inside.
        let (request_id, relay, _) = setup.start(&browser, "/account");
        let spec = setup.spec(Some(&request_id), "grace@acme.com");
        let signed = setup.idp.sign256(&spec.assertion(), &spec.assertion_id);
        let encrypted = idp::encrypt(&signed, &cert, "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#aes256-gcm");
        let done = setup.post(&browser, &spec.response(&encrypted), Some(&relay));
        assert_eq!(done.status, 303, "{}", done.body);
        browser.get("/account").assert_contains("grace@acme.com");

        // IdP-initiated: refused until the connection allows it, then lands on the default target.
        let browser = setup.server.browser();
        let spec = setup.spec(None, "grace@acme.com");
        let refused = setup.post(&browser, &spec.signed_assertion_response(&setup.idp), None);
        assert_eq!(refused.status, 400);
        assert_eq!(setup.last_failure(), "unsolicited");
        let updated = setup.cli.run(&["saml", "connection", "update", "--org", "acme", &setup.id(), "--allow-idp-initiated", "true", "--default-target", "/account?from=idp"], None);
        assert_eq!(updated.code, 0, "{}", updated.stderr);
        let spec = setup.spec(None, "grace@acme.com");
        let done = setup.post(&browser, &spec.signed_assertion_response(&setup.idp), None);
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location(), "/account?from=idp");
        assert!(browser.is_signed_in());
    }
}

both_backends! {
    fn home_realm_discovery_sends_work_addresses_to_their_idp(backend) {
        let setup = Setup::new(backend, &[]);
        setup.server.create_user("pat@acme.com", PASSWORD);
        let browser = setup.server.browser();
        let form = browser.get("/sign-in?return_to=%2Faccount%3Fx%3D1");
        form.assert_contains("Continue with SSO");
        let csrf = form.csrf_token();
        // "Continue with SSO" with a work address goes to the connection, keeping the flow.
        let sso = browser.post("/sign-in", &[("csrf_token", &csrf), ("email", "pat@acme.com"), ("password", ""), ("return_to", "/account?x=1"), ("sso", "1")]);
        assert_eq!(crate::saml::continue_link(&sso), format!("/saml/sp/{}/sso?return_to=%2Faccount%3Fx%3D1", setup.id()));
        // Another domain has no SSO: said plainly.
        let none = browser.post("/sign-in", &[("csrf_token", &csrf), ("email", "pat@other.com"), ("password", ""), ("sso", "1")]);
        assert_eq!(none.status, 400);
        none.assert_contains("not set up for this email domain");
        // Not mandatory: the password still works.
        let password = browser.post("/sign-in", &[("csrf_token", &csrf), ("email", "pat@acme.com"), ("password", PASSWORD)]);
        assert_eq!(password.status, 303);
        assert_eq!(password.location(), "/account");
        // Mandatory: a password is not even looked at.
        assert_eq!(setup.cli.run(&["saml", "connection", "update", "--org", "acme", &setup.id(), "--mandatory", "true"], None).code, 0);
        let browser = setup.server.browser();
        let csrf = browser.get("/sign-in").csrf_token();
        let forced = browser.post("/sign-in", &[("csrf_token", &csrf), ("email", "PAT@acme.com"), ("password", PASSWORD)]);
        assert!(crate::saml::continue_link(&forced).starts_with(&format!("/saml/sp/{}/sso", setup.id())));
        assert!(!browser.is_signed_in());
        // Once the organization gives up the domain, its connection no longer serves it.
        assert_eq!(setup.cli.run(&["domain", "remove", "--org", "acme", "acme.com"], None).code, 0);
        let csrf = browser.get("/sign-in").csrf_token();
        let password = browser.post("/sign-in", &[("csrf_token", &csrf), ("email", "pat@acme.com"), ("password", PASSWORD)]);
        assert_eq!(password.location(), "/account", "password sign-in again");
    }
}

both_backends! {
    fn connection_commands_check_what_they_are_given(backend) {
        let setup = Setup::new(backend, &[]);
        let cli = &setup.cli;
        let dir = cli.data.path();
        let other = Signer::new("other.test");
        let metadata = dir.join("other.xml");
        std::fs::write(&metadata, idp::metadata("https://other.test/idp", "https://other.test/sso", &other, true)).unwrap();
        let path = metadata.to_str().unwrap();
        // A domain the organization has not verified.
        let run = cli.run(&["saml", "connection", "add", "--org", "acme", "--metadata-file", path, "--domain", "unverified.com"], None);
        assert_eq!(run.code, 5, "{}", run.stderr);
        assert!(run.stderr.contains("not a verified domain"), "{}", run.stderr);
        // A domain another connection serves.
        let run = cli.run(&["saml", "connection", "add", "--org", "acme", "--metadata-file", path, "--domain", "acme.com"], None);
        assert_eq!(run.code, 4, "{}", run.stderr);
        // Another organization's verified domain.
        assert_eq!(cli.run(&["org", "create", "--name", "Rival"], None).code, 0);
        verify_domain(cli, "rival", "rival.com");
        let run = cli.run(&["saml", "connection", "add", "--org", "acme", "--metadata-file", path, "--domain", "rival.com"], None);
        assert_eq!(run.code, 5, "{}", run.stderr);
        // The same IdP twice in one organization.
        let file = dir.join("idp-metadata.xml");
        assert_eq!(cli.run(&["saml", "connection", "add", "--org", "acme", "--metadata-file", file.to_str().unwrap()], None).code, 4);
        // Metadata with a DTD, not metadata at all, no usable SSO endpoint.
        for (name, text) in [
            ("dtd.xml", format!("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}", idp::metadata("https://x.test", "https://x.test/sso", &other, false))),
            ("html.xml", "<html><body>login</body></html>".to_string()),
            ("post-only.xml", idp::metadata("https://x.test", "https://x.test/sso", &other, false).replace("HTTP-Redirect", "HTTP-Artifact")),
        ] {
            let file = dir.join(name);
            std::fs::write(&file, text).unwrap();
            let run = cli.run(&["saml", "connection", "add", "--org", "acme", "--metadata-file", file.to_str().unwrap()], None);
            assert_eq!(run.code, 5, "{name}: {}", run.stderr);
        }
        // By hand, with a certificate; a weak (1024-bit) certificate is refused.
        let cert = dir.join("cert.pem");
        std::fs::write(&cert, other.cert_pem()).unwrap();
        let manual = cli.run(&["saml", "connection", "add", "--org", "acme", "--entity-id", "https://manual.test", "--sso-url", "https://manual.test/sso", "--cert-file", cert.to_str().unwrap(), "--json"], None);
        assert_eq!(manual.code, 0, "{}", manual.stderr);
        assert_eq!(manual.json()["sign_requests"], false);
        let weak_key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
        let mut builder = openssl::x509::X509::builder().unwrap();
        builder.set_pubkey(&weak_key).unwrap();
        builder.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap()).unwrap();
        builder.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap()).unwrap();
        builder.sign(&weak_key, openssl::hash::MessageDigest::sha256()).unwrap();
        std::fs::write(&cert, builder.build().to_pem().unwrap()).unwrap();
        let run = cli.run(&["saml", "connection", "add", "--org", "acme", "--entity-id", "https://weak.test", "--sso-url", "https://weak.test/sso", "--cert-file", cert.to_str().unwrap()], None);
        assert_eq!(run.code, 5, "{}", run.stderr);
        assert!(run.stderr.contains("2048"), "{}", run.stderr);
        assert_eq!(cli.run(&["saml", "connection", "add", "--org", "acme", "--entity-id", "x", "--sso-url", "http://evil.test/sso", "--cert-file", cert.to_str().unwrap()], None).code, 5, "plain http");
        // Metadata asking for signed requests: our AuthnRequests carry a signature.
        let signed = cli.run(&["saml", "connection", "add", "--org", "rival", "--metadata-file", path, "--json"], None);
        assert_eq!(signed.code, 0, "{}", signed.stderr);
        let signed = signed.json();
        assert_eq!(signed["sign_requests"], true);
        let page = setup.server.browser().get(&format!("/saml/sp/{}/sso", signed["id"].as_str().unwrap()));
        let location = page.location();
        assert!(location.contains("SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256") && location.contains("&Signature="), "{location}");
        // List, show, delete.
        let listed = cli.run(&["saml", "connection", "list", "--org", "acme", "--json"], None).json();
        assert_eq!(listed.as_array().unwrap().len(), 2);
        let id = setup.id();
        assert_eq!(cli.run(&["saml", "connection", "show", "--org", "rival", &id], None).code, 3, "another organization's connection");
        assert_eq!(cli.run(&["saml", "connection", "delete", "--org", "acme", &id], None).code, 0);
        assert_eq!(setup.server.browser().get(&format!("/saml/sp/{id}/sso")).status, 404);
        assert_eq!(cli.run(&["saml", "connection", "show", "--org", "acme", &id], None).code, 3);
    }
}

both_backends! {
    fn saml_keys_rotate_ahead_of_use(backend) {
        let setup = Setup::new(backend, &[]);
        let cli = &setup.cli;
        // The server makes its key on first use (its test clock is behind the CLI's real one).
        assert_eq!(setup.server.browser().get(&format!("/saml/sp/{}/metadata", setup.id())).status, 200);
        let listed = cli.run(&["keys", "saml", "list", "--json"], None).json();
        let first = listed[0]["id"].as_str().unwrap().to_string();
        assert_eq!(listed[0]["status"], "signing");
        let next = cli.run(&["keys", "saml", "rotate", "--json"], None).json();
        assert_eq!(next["status"], "next");
        let next_id = next["id"].as_str().unwrap().to_string();
        // Published in metadata at once, beside the key that still signs.
        let metadata = setup.server.browser().get(&format!("/saml/sp/{}/metadata", setup.id())).body;
        assert_eq!(metadata.matches("use=\"signing\"").count(), 2, "{metadata}");
        let listed = cli.run(&["keys", "saml", "list", "--json"], None).stdout;
        assert!(listed.contains(&first) && listed.contains(&next_id));
        assert_eq!(cli.run(&["keys", "saml", "retire", &first], None).code, 3, "the signing key stays");
        assert_eq!(cli.run(&["keys", "saml", "retire", &next_id], None).code, 0, "a next key can be withdrawn");
        let metadata = setup.server.browser().get(&format!("/saml/sp/{}/metadata", setup.id())).body;
        assert_eq!(metadata.matches("use=\"signing\"").count(), 1);
        let _ = IDP;
    }
}

both_backends! {
    fn the_admin_api_manages_connections(backend) {
        let setup = Setup::new(backend, &[]);
        let server = &setup.server;
        let (_, key) = server
            .block_on(tessera::admin_api::keys::create(&server.state, "ops", &["organizations:write".to_string(), "organizations:read".to_string()], None))
            .expect("key");
        let (_, reader) = server
            .block_on(tessera::admin_api::keys::create(&server.state, "ro", &["organizations:read".to_string()], None))
            .expect("key");
        let api = reqwest::blocking::Client::new();
        let url = format!("{}/admin/v1/organizations/acme/saml-connections", server.base_url);
        let listed: serde_json::Value = api.get(&url).bearer_auth(&reader).send().unwrap().json().unwrap();
        assert_eq!(listed["data"][0]["id"], setup.connection["id"]);
        assert_eq!(listed["data"][0]["acs_url"], serde_json::json!(setup.acs()), "the server's own URLs");

        let other = Signer::new("api.test");
        let body = serde_json::json!({"entity_id": "https://api-idp.test", "sso_url": "https://api-idp.test/sso", "certificates_pem": other.cert_pem(), "groups_attribute": "groups"});
        assert_eq!(api.post(&url).bearer_auth(&reader).json(&body).send().unwrap().status().as_u16(), 403, "read-only key");
        let created = api.post(&url).bearer_auth(&key).json(&body).send().unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let created: serde_json::Value = created.json().unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        assert_eq!(created["attributes"]["groups"], "groups");
        for (bad, status) in [
            (serde_json::json!({"entity_id": "https://x.test"}), 400),
            (serde_json::json!({"metadata_xml": "<!DOCTYPE x []><x/>"}), 422),
            (serde_json::json!({"metadata_xml": "<x/>", "metadata_url": "https://x.test"}), 400),
            (serde_json::json!({"surprise": true}), 400),
            (serde_json::json!({"entity_id": "https://y.test", "sso_url": "https://y.test/sso", "certificates_pem": "not a certificate"}), 422),
            (serde_json::json!({"entity_id": "https://y.test", "sso_url": "https://y.test/sso", "certificates_pem": other.cert_pem(), "domains": ["acme.com"]}), 409),
        ] {
            let answer = api.post(&url).bearer_auth(&key).json(&bad).send().unwrap();
            assert_eq!(answer.status().as_u16(), status, "{bad}");
            assert_eq!(answer.headers()["content-type"], "application/problem+json");
        }
        let changed = api.patch(format!("{url}/{id}")).bearer_auth(&key).json(&serde_json::json!({"mandatory": true, "default_target": "/account"})).send().unwrap();
        assert_eq!(changed.status().as_u16(), 200);
        let changed: serde_json::Value = changed.json().unwrap();
        assert_eq!(changed["mandatory"], true);
        assert_eq!(changed["idp_entity_id"], "https://api-idp.test");
        let bad_target = api.patch(format!("{url}/{id}")).bearer_auth(&key).json(&serde_json::json!({"default_target": "https://evil.test/"})).send().unwrap();
        assert_eq!(bad_target.status().as_u16(), 422);
        assert_eq!(api.delete(format!("{url}/{id}")).bearer_auth(&key).send().unwrap().status().as_u16(), 204);
        assert_eq!(api.get(format!("{url}/{id}")).bearer_auth(&key).send().unwrap().status().as_u16(), 404);
        let audit = setup.cli.run(&["audit", "list", "--action", "samlConnection.", "--json"], None).stdout;
        assert!(audit.contains("samlConnection.deleted") && audit.contains("samlConnection.created"), "{audit}");
    }
}

/// A LogoutRequest from the test IdP (HTTP-Redirect), signed by `signer`.
fn idp_logout_request(setup: &Setup, signer: &Signer, name_id: &str) -> String {
    use base64::Engine;
    use std::io::Write;
    let instant = chrono::DateTime::from_timestamp(setup.now(), 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ");
    let destination = setup
        .server
        .state
        .url(&format!("/saml/sp/{}/slo", setup.id()));
    let xml = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_idplr\" Version=\"2.0\" IssueInstant=\"{instant}\" Destination=\"{destination}\"><saml:Issuer>{IDP}</saml:Issuer><saml:NameID>{name_id}</saml:NameID></samlp:LogoutRequest>"
    );
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflater.write_all(xml.as_bytes()).unwrap();
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let message = base64::engine::general_purpose::STANDARD.encode(deflater.finish().unwrap());
    let mut query = format!(
        "SAMLRequest={}&SigAlg={}",
        enc(&message),
        enc(idp::RSA_SHA256)
    );
    let mut s =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &signer.key).unwrap();
    let signature = base64::engine::general_purpose::STANDARD
        .encode(s.sign_oneshot_to_vec(query.as_bytes()).unwrap());
    query.push_str(&format!("&Signature={}", enc(&signature)));
    format!("/saml/sp/{}/slo?{query}", setup.id())
}

both_backends! {
    fn the_idp_can_sign_people_out(backend) {
        let setup = Setup::new(backend, &[]);
        let browser = setup.server.browser();
        let (request_id, relay, _) = setup.start(&browser, "/account");
        let spec = setup.spec(Some(&request_id), "ada@acme.com");
        assert_eq!(setup.post(&browser, &spec.signed_assertion_response(&setup.idp), Some(&relay)).status, 303);
        assert!(browser.is_signed_in());
        // Not signed by the IdP's pinned key: refused, nobody signed out.
        let stranger = Signer::new("idp.acme.test");
        assert_eq!(setup.server.browser().get(&idp_logout_request(&setup, &stranger, "ada@acme.com")).status, 400);
        assert!(browser.is_signed_in());
        // Another NameID: nobody signed out, still answered.
        let other = setup.server.browser().get(&idp_logout_request(&setup, &setup.idp, "bob@acme.com"));
        assert_eq!(other.status, 303);
        assert!(browser.is_signed_in());
        // The right one: the session ends and the IdP gets a signed LogoutResponse.
        let out = setup.server.browser().get(&idp_logout_request(&setup, &setup.idp, "ada@acme.com"));
        assert_eq!(out.status, 303, "{}", out.body);
        let location = out.location();
        assert!(location.starts_with(&format!("{IDP_SSO}/logout?SAMLResponse=")) && location.contains("&Signature="), "{location}");
        let (response, _, _) = idp::read_redirect(&location.replace("SAMLResponse=", "SAMLRequest="));
        assert!(response.contains("InResponseTo=\"_idplr\"") && response.contains("status:Success"), "{response}");
        assert!(!browser.is_signed_in());
        // No such connection; a logout message older than ten minutes.
        assert_eq!(setup.server.browser().get("/saml/sp/samlc_nope/slo?SAMLRequest=x").status, 404);
        let stale = idp_logout_request(&setup, &setup.idp, "ada@acme.com");
        setup.server.clock.advance(3600);
        assert_eq!(setup.server.browser().get(&stale).status, 400);
    }
}

both_backends! {
    fn sign_ins_started_from_one_address_are_budgeted(backend) {
        let setup = Setup::with(backend, &[], |c| c.saml.requests_per_client = 3);
        let browser = setup.server.browser();
        let start = format!("/saml/sp/{}/sso", setup.id());
        for _ in 0..3 {
            assert_eq!(browser.get(&start).status, 303);
        }
        let refused = browser.get(&start);
        assert_eq!(refused.status, 429, "{}", refused.body);
        assert!(refused.body.contains("Too many sign-ins"));
        // The IdP side counts against the same budget, before reading anything.
        assert_eq!(browser.get("/saml/idp/sso?SAMLRequest=x").status, 429);
        // Ten minutes later the budget is back.
        setup.server.clock.advance(600);
        assert_eq!(browser.get(&start).status, 303);
    }
}
