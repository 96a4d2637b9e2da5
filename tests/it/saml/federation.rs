//! Two Tessera servers, each with its own database, one the IdP of the other, over real HTTP:
//! SP-initiated and IdP-initiated sign-in, just-in-time accounts, attribute and role mapping,
//! NameID formats, encrypted assertions, continuing into an OpenID Connect code flow, Single
//! Logout, and the IdP's refusals.

use super::idp::{self, Signer};
use super::verify_domain;
use crate::both_backends;
use crate::support::browser::{Browser, Page};
use crate::support::cli::Cli;
use crate::support::oidc::{REDIRECT, authorize_path, client_params, follow};
use crate::support::{Backend, PASSWORD, TestServer};
use base64::Engine;
use std::io::Write;

pub struct Pair {
    pub idp: TestServer,
    pub sp: TestServer,
    pub idp_cli: Cli,
    pub sp_cli: Cli,
    pub connection: String,
    pub app: String,
}

fn json_id(run: crate::support::cli::Run) -> String {
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["id"].as_str().unwrap().to_string()
}

impl Pair {
    /// The IdP has organization `corp` (ada@acme.com its admin); the SP has organization `acme`
    /// with acme.com verified, a connection to the IdP (from its metadata URL) and "admin" mapped
    /// from the `role` attribute; the IdP has the SP as an app (from the SP's metadata URL).
    pub fn new(backend: Backend, app_args: &[&str], connection_args: &[&str]) -> Self {
        let idp = TestServer::start(backend);
        let sp = TestServer::start(backend);
        let (idp_cli, sp_cli) = (Cli::on(idp.db.clone()), Cli::on(sp.db.clone()));
        idp.create_user("ada@acme.com", PASSWORD);
        assert_eq!(
            idp_cli.run(&["org", "create", "--name", "Corp"], None).code,
            0
        );
        assert_eq!(
            idp_cli
                .run(
                    &[
                        "member",
                        "add",
                        "--org",
                        "corp",
                        "ada@acme.com",
                        "--role",
                        "admin"
                    ],
                    None
                )
                .code,
            0
        );
        assert_eq!(
            sp_cli.run(&["org", "create", "--name", "Acme"], None).code,
            0
        );
        verify_domain(&sp_cli, "acme", "acme.com");
        assert_eq!(
            sp_cli
                .run(
                    &[
                        "scim",
                        "group-role",
                        "set",
                        "--org",
                        "acme",
                        "--group",
                        "admin",
                        "--role",
                        "admin"
                    ],
                    None
                )
                .code,
            0
        );
        let metadata_url = format!("{}/saml/idp/metadata", idp.base_url);
        let mut args = vec![
            "saml",
            "connection",
            "add",
            "--org",
            "acme",
            "--metadata-url",
            &metadata_url,
            "--domain",
            "acme.com",
            "--groups-attribute",
            "role",
            "--json",
        ];
        args.extend_from_slice(connection_args);
        let connection = json_id(sp_cli.run(&args, None));
        let sp_metadata = format!("{}/saml/sp/{connection}/metadata", sp.base_url);
        let mut args = vec![
            "saml",
            "app",
            "add",
            "--metadata-url",
            &sp_metadata,
            "--org",
            "corp",
            "--json",
        ];
        args.extend_from_slice(app_args);
        let app = json_id(idp_cli.run(&args, None));
        Self {
            idp,
            sp,
            idp_cli,
            sp_cli,
            connection,
            app,
        }
    }

    /// Walks the browser (one cookie jar per server) from the SP to the IdP and back; returns
    /// the SP's answer to the posted response.
    pub fn sign_in(
        &self,
        sp: &Browser,
        idp: &Browser,
        return_to: &str,
        credentials: Option<(&str, &str)>,
    ) -> Page {
        let start = sp.get(&format!(
            "/saml/sp/{}/sso?return_to={}",
            self.connection,
            crate::scim::urlencode(return_to)
        ));
        assert_eq!(start.status, 303, "{}", start.body);
        let at_idp = idp.get(&start.location());
        let form = self.through_idp(idp, at_idp, credentials);
        post_back(sp, &form)
    }

    /// From the IdP's first answer to its auto-posting form (signing in when asked).
    pub fn through_idp(
        &self,
        idp: &Browser,
        page: Page,
        credentials: Option<(&str, &str)>,
    ) -> Page {
        let mut page = resumed(idp, page);
        if page.status == 303 && page.location().starts_with("/sign-in") {
            let (email, password) = credentials.expect("the IdP asks for a sign-in");
            let location = page.location();
            let url = url::Url::parse(&format!("http://x{location}")).unwrap();
            let return_to = url
                .query_pairs()
                .find(|(k, _)| k == "return_to")
                .map(|(_, v)| v.into_owned())
                .unwrap();
            let signed = idp.submit(
                &location,
                "/sign-in",
                &[
                    ("email", email),
                    ("password", password),
                    ("return_to", &return_to),
                ],
            );
            assert_eq!(signed.status, 303, "{}", signed.body);
            page = idp.get(&signed.location());
        }
        assert_eq!(
            page.status,
            200,
            "{} {:?}",
            page.body,
            page.header("location")
        );
        page
    }
}

/// The IdP answers a request by sending the browser on to `/saml/idp/resume/{id}`: follow it.
pub fn resumed(idp: &Browser, page: Page) -> Page {
    if page.status == 303 && page.location().starts_with("/saml/idp/resume/") {
        return idp.get(&page.location());
    }
    page
}

/// The auto-posting form's action and fields.
pub fn form_of(page: &Page) -> (String, String, Option<String>) {
    let at = page.body.find("action=\"").expect("a form") + "action=\"".len();
    let action = page.body[at..at + page.body[at..].find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#x2F;", "/");
    (
        action,
        page.input_value("SAMLResponse").expect("SAMLResponse"),
        page.input_value("RelayState"),
    )
}

/// Posts the IdP's form to the SP, as the browser's script would.
pub fn post_back(sp: &Browser, form: &Page) -> Page {
    let (action, response, relay) = form_of(form);
    let mut fields = vec![("SAMLResponse", response.as_str())];
    if let Some(relay) = &relay {
        fields.push(("RelayState", relay));
    }
    sp.post(&action, &fields)
}

fn decoded(form: &Page) -> String {
    let (_, response, _) = form_of(form);
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(response)
            .unwrap(),
    )
    .unwrap()
}

fn name_id_of(xml: &str) -> (String, String) {
    let format = idp::attribute_of(xml, "<saml:NameID", "Format");
    let start = xml.find("<saml:NameID").unwrap();
    let value_start = start + xml[start..].find('>').unwrap() + 1;
    let value = xml[value_start..value_start + xml[value_start..].find('<').unwrap()].to_string();
    (format, value)
}

both_backends! {
    fn tessera_signs_in_to_tessera_over_saml(backend) {
        let pair = Pair::new(backend, &[], &[]);
        let (sp, idp) = (pair.sp.browser(), pair.idp.browser());
        let done = pair.sign_in(&sp, &idp, "/account?from=saml", Some(("ada@acme.com", PASSWORD)));
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location(), "/account?from=saml");
        sp.get("/account").assert_status(200).assert_contains("ada@acme.com");
        let members = pair.sp_cli.run(&["member", "list", "--org", "acme", "--json"], None).stdout;
        assert!(members.contains("\"role\":\"admin\"") || members.contains("\"role\": \"admin\""), "the IdP's role maps to admin: {members}");

        // Signed in at the IdP: the next SP sign-in needs no form. The response names the
        // request, the ACS, the audience, and carries the attributes.
        let sp2 = pair.sp.browser();
        let start = sp2.get(&format!("/saml/sp/{}/sso", pair.connection));
        let form = pair.through_idp(&idp, idp.get(&start.location()), None);
        let xml = decoded(&form);
        assert!(xml.contains(&format!("Destination=\"{}/saml/sp/{}/acs\"", pair.sp.base_url, pair.connection)));
        assert!(xml.contains(&format!("<saml:Audience>{}/saml/sp/{}/metadata</saml:Audience>", pair.sp.base_url, pair.connection)));
        assert!(xml.contains("<saml:Attribute Name=\"role\""), "{xml}");
        assert_eq!(xml.matches("<ds:SignatureValue>").count(), 2, "Response and Assertion both signed");
        assert!(xml.contains("rsa-sha256") && !xml.contains("rsa-sha1\""));
        assert_eq!(name_id_of(&xml), ("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_string(), "ada@acme.com".to_string()));
        assert_eq!(post_back(&sp2, &form).status, 303);

        // Persistent NameIDs: opaque and stable; transient: new each time.
        assert_eq!(pair.idp_cli.run(&["saml", "app", "update", &pair.app, "--name-id-format", "persistent"], None).code, 0);
        let ids: Vec<(String, String)> = (0..2).map(|_| {
            let b = pair.sp.browser();
            let start = b.get(&format!("/saml/sp/{}/sso", pair.connection));
            name_id_of(&decoded(&pair.through_idp(&idp, idp.get(&start.location()), None)))
        }).collect();
        assert_eq!(ids[0].0, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
        assert_eq!(ids[0].1, ids[1].1);
        assert!(!ids[0].1.contains("ada") && ids[0].1.len() >= 40);
        assert_eq!(pair.idp_cli.run(&["saml", "app", "update", &pair.app, "--name-id-format", "transient"], None).code, 0);
        let ids: Vec<String> = (0..2).map(|_| {
            let b = pair.sp.browser();
            let start = b.get(&format!("/saml/sp/{}/sso", pair.connection));
            name_id_of(&decoded(&pair.through_idp(&idp, idp.get(&start.location()), None))).1
        }).collect();
        assert_ne!(ids[0], ids[1]);

        // Encrypted to the SP's certificate (from its metadata): the SP decrypts it.
        assert_eq!(pair.idp_cli.run(&["saml", "app", "update", &pair.app, "--name-id-format", "email", "--encrypt-assertions", "true"], None).code, 0);
        let sp3 = pair.sp.browser();
        let start = sp3.get(&format!("/saml/sp/{}/sso", pair.connection));
        let form = pair.through_idp(&idp, idp.get(&start.location()), None);
        let xml = decoded(&form);
        assert!(xml.contains("EncryptedAssertion") && !xml.contains("ada@acme.com"), "{xml}");
        let done = post_back(&sp3, &form);
        assert_eq!(done.status, 303, "{}", done.body);
        sp3.get("/account").assert_contains("ada@acme.com");

        // IdP-initiated: the SP refuses until it allows it.
        let sp4 = pair.sp.browser();
        let form = idp.get(&format!("/saml/idp/apps/{}/start", pair.app));
        assert_eq!(form.status, 200, "{}", form.body);
        assert_eq!(post_back(&sp4, &form).status, 400);
        assert_eq!(pair.sp_cli.run(&["saml", "connection", "update", "--org", "acme", &pair.connection, "--allow-idp-initiated", "true", "--default-target", "/account?idp=1"], None).code, 0);
        let form = idp.get(&format!("/saml/idp/apps/{}/start", pair.app));
        let done = post_back(&sp4, &form);
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location(), "/account?idp=1");
    }
}

both_backends! {
    fn saml_sign_in_continues_an_openid_connect_code_flow(backend) {
        let pair = Pair::new(backend, &[], &[]);
        let client = pair.sp.client();
        let (sp, idp) = (pair.sp.browser(), pair.idp.browser());
        let authorize = authorize_path(&[("client_id", &client.id), ("redirect_uri", REDIRECT), ("response_type", "code"), ("scope", "openid email profile"), ("state", "s1"), ("nonce", "n1")]);
        let page = follow(&sp, &pair.sp.base_url, sp.get(&authorize));
        assert_eq!(page.status, 200, "the sign-in page");
        let return_to = page.input_value("return_to").expect("the pending authorization request");
        // Home-realm discovery: the work address goes to the IdP.
        let sso = sp.post("/sign-in", &[("csrf_token", &page.csrf_token()), ("email", "ada@acme.com"), ("password", ""), ("return_to", &return_to), ("sso", "1")]);
        let start = sp.get(&crate::saml::continue_link(&sso));
        let form = pair.through_idp(&idp, idp.get(&start.location()), Some(("ada@acme.com", PASSWORD)));
        let back = post_back(&sp, &form);
        assert_eq!(back.status, 303, "{}", back.body);
        let done = follow(&sp, &pair.sp.base_url, back);
        let params = client_params(&done);
        assert_eq!(params["state"], "s1");
        let (status, tokens) = pair.sp.token(&client, &[("grant_type", "authorization_code"), ("code", &params["code"]), ("redirect_uri", REDIRECT)]);
        assert_eq!(status, 200, "{tokens}");
        let claims = crate::support::oidc::jwt_claims(tokens["id_token"].as_str().unwrap());
        assert_eq!(claims["email"], "ada@acme.com");
        assert_eq!(claims["email_verified"], true);
    }
}

/// A LogoutRequest by the HTTP-Redirect binding, signed by `signer` with `alg` when given.
fn logout_request(
    idp_base: &str,
    issuer: &str,
    name_id: &str,
    signer: Option<(&Signer, &str)>,
    now: i64,
) -> String {
    let instant = chrono::DateTime::from_timestamp(now, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ");
    let xml = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_lr1\" Version=\"2.0\" IssueInstant=\"{instant}\" Destination=\"{idp_base}/saml/idp/slo\"><saml:Issuer>{issuer}</saml:Issuer><saml:NameID>{name_id}</saml:NameID></samlp:LogoutRequest>"
    );
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflater.write_all(xml.as_bytes()).unwrap();
    let message = base64::engine::general_purpose::STANDARD.encode(deflater.finish().unwrap());
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let mut query = format!("SAMLRequest={}", enc(&message));
    if let Some((signer, alg)) = signer {
        query.push_str(&format!("&SigAlg={}", enc(alg)));
        let digest = if alg.ends_with("sha1") {
            openssl::hash::MessageDigest::sha1()
        } else {
            openssl::hash::MessageDigest::sha256()
        };
        let mut s = openssl::sign::Signer::new(digest, &signer.key).unwrap();
        let signature = s.sign_oneshot_to_vec(query.as_bytes()).unwrap();
        query.push_str(&format!(
            "&Signature={}",
            enc(&base64::engine::general_purpose::STANDARD.encode(signature))
        ));
    }
    format!("/saml/idp/slo?{query}")
}

/// An AuthnRequest by the HTTP-Redirect binding (unsigned) with `xml` as given.
fn authn_request(xml: &str) -> String {
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflater.write_all(xml.as_bytes()).unwrap();
    let message = base64::engine::general_purpose::STANDARD.encode(deflater.finish().unwrap());
    format!(
        "/saml/idp/sso?SAMLRequest={}",
        url::form_urlencoded::byte_serialize(message.as_bytes()).collect::<String>()
    )
}

both_backends! {
    fn the_idp_checks_requests_and_logs_out(backend) {
        let server = TestServer::start(backend);
        let cli = Cli::on(server.db.clone());
        server.create_user("ada@acme.com", PASSWORD);
        let sp = Signer::new("sp.test");
        let cert = cli.data.path().join("sp.pem");
        std::fs::write(&cert, sp.cert_pem()).unwrap();
        let app = json_id(cli.run(&["saml", "app", "add", "--entity-id", "https://sp.test", "--acs-url", "https://sp.test/acs", "--cert-file", cert.to_str().unwrap(), "--slo-url", "https://sp.test/slo", "--json"], None));
        let browser = server.browser();
        let request = |extra: &str, issuer: &str| format!(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"{extra}><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>"
        );
        // Refusals: a page, never a redirect to an unregistered place.
        for (name, path, status) in [
            ("unknown SP", authn_request(&request("", "https://unknown.test")), 404),
            ("unregistered ACS", authn_request(&request(" AssertionConsumerServiceURL=\"https://evil.test/acs\"", "https://sp.test")), 400),
            ("wrong Destination", authn_request(&request(" Destination=\"https://elsewhere.test/sso\"", "https://sp.test")), 400),
            ("DTD", authn_request(&format!("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}", request("", "https://sp.test&e;"))), 400),
            ("not DEFLATE", "/saml/idp/sso?SAMLRequest=bm90IGRlZmxhdGU%3D".to_string(), 400),
            ("no request", "/saml/idp/sso".to_string(), 400),
        ] {
            let page = browser.get(&path);
            assert_eq!(page.status, status, "{name}: {}", page.body);
            assert!(page.header("location").is_none(), "{name}");
            assert!(!page.body.contains("SAMLResponse"), "{name}");
        }
        // A DEFLATE bomb stops at the size limit.
        let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        deflater.write_all(&vec![b' '; 10 * 1024 * 1024]).unwrap();
        let bomb = base64::engine::general_purpose::STANDARD.encode(deflater.finish().unwrap());
        let page = browser.get(&format!("/saml/idp/sso?SAMLRequest={}", crate::scim::urlencode(&bomb)));
        assert_eq!(page.status, 400);

        // Valid: sign in, then the form to the registered ACS.
        let page = resumed(&browser, browser.get(&authn_request(&request("", "https://sp.test"))));
        assert_eq!(page.status, 303);
        assert!(page.location().starts_with("/sign-in?return_to=%2Fsaml%2Fidp%2Fresume%2F"));
        assert_eq!(browser.get("/saml/idp/resume/no-such-request").status, 400, "unknown handle");
        // A pending request is answered only in the browser that brought it.
        let taken = browser.get(&authn_request(&request("", "https://sp.test")));
        let resume = taken.location();
        assert!(resume.starts_with("/saml/idp/resume/"));
        let elsewhere = server.browser();
        assert!(elsewhere.sign_in("ada@acme.com", PASSWORD).status == 303);
        let refused = elsewhere.get(&resume);
        assert_eq!(refused.status, 400, "another browser cannot answer it");
        assert!(!refused.body.contains("SAMLResponse"));
        // IsPassive without a session: a NoPassive answer, no page.
        let anonymous = server.browser();
        let passive = resumed(&anonymous, anonymous.get(&authn_request(&request(" IsPassive=\"1\"", "https://sp.test"))));
        assert_eq!(passive.status, 200);
        assert!(decoded(&passive).contains("urn:oasis:names:tc:SAML:2.0:status:NoPassive"));
        assert!(browser.sign_in("ada@acme.com", PASSWORD).status == 303);
        let form = resumed(&browser, browser.get(&authn_request(&request("", "https://sp.test"))));
        assert_eq!(form_of(&form).0, "https://sp.test/acs");
        assert!(form.header("content-security-policy").unwrap().contains("form-action https://sp.test"));
        // ForceAuthn: signed in or not, the form asks again.
        let forced = resumed(&browser, browser.get(&authn_request(&request(" ForceAuthn=\"1\"", "https://sp.test"))));
        assert_eq!(forced.status, 303);
        assert!(forced.location().contains("login=1"), "{}", forced.location());
        // ForceAuthn with IsPassive cannot be met without a page: NoPassive.
        let both = resumed(&browser, browser.get(&authn_request(&request(" ForceAuthn=\"true\" IsPassive=\"true\"", "https://sp.test"))));
        assert!(decoded(&both).contains("status:NoPassive"));

        // Requiring signed requests: unsigned refused.
        // The HTTP-POST binding takes the same request (base64, not deflated).
        let posted = browser.post("/saml/idp/sso", &[("SAMLRequest", &idp::b64(&request("", "https://sp.test"))), ("RelayState", "rs-post")]);
        let form = resumed(&browser, posted);
        assert_eq!(form_of(&form).2.as_deref(), Some("rs-post"));
        assert_eq!(cli.run(&["saml", "app", "update", &app, "--requests-signed", "true"], None).code, 0);
        let unsigned_post = browser.post("/saml/idp/sso", &[("SAMLRequest", &idp::b64(&request("", "https://sp.test")))]);
        assert_eq!(unsigned_post.status, 400, "unsigned POST request refused");
        // Signed by the app's key over the POST binding: accepted; by another key: refused.
        let signed = sp.sign256(&request("", "https://sp.test").replace("ID=\"_r1\"", "ID=\"_r2\""), "_r2");
        let accepted = resumed(&browser, browser.post("/saml/idp/sso", &[("SAMLRequest", &idp::b64(&signed))]));
        assert_eq!(form_of(&accepted).0, "https://sp.test/acs");
        let forged = Signer::new("sp.test").sign256(&request("", "https://sp.test").replace("ID=\"_r1\"", "ID=\"_r3\""), "_r3");
        assert_eq!(browser.post("/saml/idp/sso", &[("SAMLRequest", &idp::b64(&forged))]).status, 400);
        assert_eq!(browser.get(&authn_request(&request("", "https://sp.test"))).status, 400);

        // Single Logout: unsigned, SHA-1 and foreign signatures refused; a good one ends the
        // session and answers the SP with a signed LogoutResponse.
        let xml = decoded(&form);
        let name_id = name_id_of(&xml).1;
        let stranger = Signer::new("sp.test");
        let now = tessera::clock::Clock::now(&server.clock);
        let sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
        for (name, path) in [
            ("unsigned", logout_request(&server.base_url, "https://sp.test", &name_id, None, now)),
            ("sha1", logout_request(&server.base_url, "https://sp.test", &name_id, Some((&sp, "http://www.w3.org/2000/09/xmldsig#rsa-sha1")), now)),
            ("another key", logout_request(&server.base_url, "https://sp.test", &name_id, Some((&stranger, sha256)), now)),
            ("stale", logout_request(&server.base_url, "https://sp.test", &name_id, Some((&sp, sha256)), now - 3600)),
        ] {
            assert_eq!(server.browser().get(&path).status, 400, "{name}");
        }
        assert!(browser.is_signed_in());
        let out = server.browser().get(&logout_request(&server.base_url, "https://sp.test", &name_id, Some((&sp, sha256)), now));
        assert_eq!(out.status, 303, "{}", out.body);
        let location = out.location();
        assert!(location.starts_with("https://sp.test/slo?SAMLResponse=") && location.contains("&Signature="), "{location}");
        let (response, _, _) = idp::read_redirect(&location.replace("SAMLResponse=", "SAMLRequest="));
        assert!(response.contains("InResponseTo=\"_lr1\"") && response.contains("status:Success"), "{response}");
        assert!(!browser.is_signed_in(), "the session the app was given has ended");
        let _ = app;
    }
}

both_backends! {
    fn single_logout_reaches_the_idp_and_comes_back(backend) {
        let pair = Pair::new(backend, &[], &[]);
        let (sp, idp) = (pair.sp.browser(), pair.idp.browser());
        assert_eq!(pair.sign_in(&sp, &idp, "/account", Some(("ada@acme.com", PASSWORD))).status, 303);
        assert!(sp.is_signed_in() && idp.is_signed_in());
        // Signing out at the SP hands the browser to the IdP with a signed LogoutRequest.
        let csrf = sp.get("/sign-out").csrf_token();
        let out = sp.post("/sign-out", &[("csrf_token", &csrf)]);
        let to_idp = crate::saml::continue_link(&out);
        assert!(to_idp.starts_with(&format!("{}/saml/idp/slo?SAMLRequest=", pair.idp.base_url)) && to_idp.contains("&Signature="), "{to_idp}");
        assert!(!sp.is_signed_in());
        let (request, _, _) = idp::read_redirect(&to_idp);
        assert!(request.contains("<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">ada@acme.com</saml:NameID>"), "{request}");
        assert!(request.contains("<samlp:SessionIndex>"));
        // The IdP ends its session and answers at the SP's SLO URL, signed.
        let back = idp.get(&to_idp);
        assert_eq!(back.status, 303, "{}", back.body);
        assert!(!idp.is_signed_in(), "signed out at the IdP too");
        let location = back.location();
        assert!(location.starts_with(&format!("{}/saml/sp/{}/slo?SAMLResponse=", pair.sp.base_url, pair.connection)), "{location}");
        let done = sp.get(&location);
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location(), "/sign-in?notice=signed-out");
        // A forged LogoutResponse (signature removed) is refused.
        let forged = location.split("&Signature=").next().unwrap().to_string();
        assert_eq!(sp.get(&forged).status, 400);
    }
}

both_backends! {
    fn the_idp_asserts_only_what_it_knows(backend) {
        let server = TestServer::start(backend);
        let cli = Cli::on(server.db.clone());
        let created = cli.run(&["user", "create", "--email", "unproven@example.com", "--password-stdin"], Some(PASSWORD));
        assert_eq!(created.code, 0, "{}", created.stderr);
        assert_eq!(cli.run(&["org", "create", "--name", "Corp"], None).code, 0);
        let app = json_id(cli.run(&["saml", "app", "add", "--entity-id", "https://sp.test", "--acs-url", "https://sp.test/acs", "--json"], None));
        let browser = server.browser();
        assert_eq!(browser.sign_in("unproven@example.com", PASSWORD).status, 303);
        // Email NameIDs need a verified address: refused, nothing posted.
        let page = browser.get(&format!("/saml/idp/apps/{app}/start"));
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(page.body.contains("verify it") && !page.body.contains("SAMLResponse"));
        // Persistent NameIDs: the response carries no email attribute.
        assert_eq!(cli.run(&["saml", "app", "update", &app, "--name-id-format", "persistent"], None).code, 0);
        let xml = decoded(&browser.get(&format!("/saml/idp/apps/{app}/start")));
        assert!(!xml.contains("unproven@example.com"), "{xml}");
        // Tied to an organization: members only; deleting the organization deletes the app.
        assert_eq!(cli.run(&["saml", "app", "update", &app, "--org", "corp"], None).code, 0);
        assert_eq!(browser.get(&format!("/saml/idp/apps/{app}/start")).status, 403);
        assert_eq!(cli.run(&["org", "delete", "corp"], None).code, 0);
        assert_eq!(cli.run(&["saml", "app", "show", &app], None).code, 3, "gone with its organization");
        assert_eq!(browser.get(&format!("/saml/idp/apps/{app}/start")).status, 404);
    }
}
