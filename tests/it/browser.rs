//! The sign-up to sign-out journey in a real Chromium (Debian's chromium and chromium-driver),
//! typing and clicking as a person would, mail read from the development mail page.

use crate::support::webdriver::{self, WebDriver};
use crate::support::{Backend, PASSWORD, TestServer};

fn browser_or_skip() -> Option<WebDriver> {
    match webdriver::installed() {
        Some((driver, chromium)) => Some(WebDriver::start(&driver, &chromium)),
        None if std::env::var_os("TESSERA_REQUIRE_BROWSER").is_some() => {
            panic!("TESSERA_REQUIRE_BROWSER is set but chromium/chromedriver are not installed")
        }
        None => {
            eprintln!(
                "\n!!! SKIPPING the browser test: install Debian's chromium and chromium-driver (tests/run.sh does). !!!\n"
            );
            None
        }
    }
}

fn snap(driver: &WebDriver, name: &str) {
    if let Some(dir) = std::env::var_os("TESSERA_SCREENSHOTS") {
        driver.screenshot(&std::path::Path::new(&dir).join(format!("{name}.png")));
    }
}

#[test]
fn sign_up_verify_change_profile_sign_out_and_back_in() {
    let Some(driver) = browser_or_skip() else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite);
    let base = &server.base_url;

    // Sign up.
    driver.goto(&format!("{base}/sign-up"));
    assert_eq!(
        driver.attribute("#email", "autocomplete").as_deref(),
        Some("email")
    );
    assert_eq!(
        driver.attribute("#password", "autocomplete").as_deref(),
        Some("new-password")
    );
    snap(&driver, "sign-up");
    driver.type_into("#name", "Ada Lovelace");
    driver.type_into("#email", "ada@example.com");
    driver.type_into("#password", PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_text("Check your email");
    snap(&driver, "check-email");

    // Open the mail and its link, as a person would.
    crate::support::mail::wait_for_mail(&server.mailbox(), "ada@example.com", 1);
    driver.goto(&format!("{base}/dev/mail"));
    driver.click(".mail-list a");
    driver.click(".mail-body a");
    driver.wait_for_text("Confirm your email");
    snap(&driver, "confirm-email");
    driver.click("button[type=submit]");
    driver.wait_for_text("Welcome! Your account is ready.");
    assert!(driver.current_url().ends_with("/account?notice=welcome"));
    snap(&driver, "account");

    // Change the display name.
    driver.type_into("#name", "Countess Lovelace");
    driver.click("form[action='/account/profile'] button[type=submit]");
    driver.wait_for_text("Your profile was saved.");
    assert_eq!(
        driver.attribute("#name", "value").as_deref(),
        Some("Countess Lovelace")
    );

    // Sign out.
    driver.click("form[action='/sign-out'] button[type=submit]");
    driver.wait_for_text("You are signed out.");
    snap(&driver, "signed-out");

    // A wrong password first, then the right one.
    assert_eq!(
        driver.attribute("#email", "autocomplete").as_deref(),
        Some("username")
    );
    assert_eq!(
        driver.attribute("#password", "autocomplete").as_deref(),
        Some("current-password")
    );
    driver.type_into("#email", "ada@example.com");
    driver.type_into("#password", "not my password");
    driver.click("button[type=submit]");
    driver.wait_for_text("Wrong email or password.");
    snap(&driver, "wrong-password");
    driver.type_into("#password", PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_text("Your account");
    assert!(driver.source().contains("Countess Lovelace"));
    assert!(driver.title().contains("Your account"));

    // And out again.
    driver.click("form[action='/sign-out'] button[type=submit]");
    driver.wait_for_text("You are signed out.");
    driver.goto(&format!("{base}/account"));
    driver.wait_for_text("Sign in");
    assert!(
        driver
            .current_url()
            .contains("/sign-in?return_to=%2Faccount")
    );
}

/// A stand-in for a client app: answers every request on a loopback port with a small page and
/// reports each request's first line and body.
fn callback_app() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let page = "<!doctype html><title>App</title><h1>callback reached</h1>";
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            if !first.contains("/favicon.ico") {
                let _ = tx.send(format!(
                    "{} {}",
                    first.trim(),
                    String::from_utf8_lossy(&body)
                ));
            }
        }
    });
    (base, rx)
}

#[test]
fn openid_connect_sign_in_consent_and_form_post_in_chromium() {
    let Some(driver) = browser_or_skip() else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let (app, requests) = callback_app();
    let redirect = format!("{app}/callback");
    let mut registration = crate::support::oidc::registration("Photo Printer");
    registration.first_party = false;
    registration.redirect_uris = vec![redirect.clone()];
    let client = server.register(registration);
    let base = &server.base_url;
    let authorize = |mode: &str| {
        format!(
            "{base}{}",
            crate::support::oidc::authorize_path(&[
                ("client_id", &client.id),
                ("redirect_uri", &redirect),
                ("response_type", "code"),
                ("scope", "openid email"),
                ("state", "chromium"),
                ("nonce", "n1"),
                ("response_mode", mode),
            ])
        )
    };

    // Sign in (the page's form ends in a redirect to the app: the CSP must allow it), consent.
    driver.goto(&authorize("query"));
    driver.wait_for_text("Sign in");
    driver.type_into("#email", "ada@example.com");
    driver.type_into("#password", PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_text("Photo Printer wants to access your account");
    snap(&driver, "consent");
    driver.click("button[value=allow]");
    driver.wait_for_text("callback reached");
    let request = requests
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the app was called");
    assert!(
        request.starts_with("GET /callback?code=") && request.contains("state=chromium"),
        "{request}"
    );
    let code = request
        .split(['?', '&', ' '])
        .find_map(|p| p.strip_prefix("code="))
        .expect("code")
        .to_string();
    let (status, body) = server.token(
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect),
        ],
    );
    assert_eq!(status, 200, "{body}");

    // Consent is remembered; form_post delivers the code by an auto-submitted POST.
    driver.goto(&authorize("form_post"));
    driver.wait_for_text("callback reached");
    let request = requests
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the app was posted to");
    assert!(
        request.starts_with("POST /callback")
            && request.contains("code=")
            && request.contains("state=chromium"),
        "{request}"
    );
}

#[test]
fn invitation_accept_create_and_switch_organizations_in_chromium() {
    let Some(driver) = browser_or_skip() else {
        return;
    };
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.sign_up.mode = tessera::config::SignUpMode::InviteOnly;
        c.organizations.create_from_pages = true;
    });
    let base = &server.base_url;
    server.create_user("ada@example.com", PASSWORD);
    server
        .block_on(tessera::organizations::create(
            &server.state,
            tessera::organizations::NewOrganization {
                name: "Acme".into(),
                owner: Some("ada@example.com".into()),
                ..Default::default()
            },
        ))
        .expect("org");
    server
        .block_on(tessera::organizations::invitations::invite(
            &server.state,
            "acme",
            "carol@example.com",
            None,
            tessera::audit::Actor::Cli,
        ))
        .expect("invite");

    // Carol opens the invitation from her mail and creates her account on the spot.
    crate::support::mail::wait_for_mail(&server.mailbox(), "carol@example.com", 1);
    driver.goto(&format!("{base}/dev/mail"));
    driver.click(".mail-list a");
    driver.click(".mail-body a");
    driver.wait_for_text("Create your account to accept");
    assert_eq!(
        driver.attribute("#email", "value").as_deref(),
        Some("carol@example.com")
    );
    snap(&driver, "invitation");
    driver.type_into("#name", "Carol");
    driver.type_into("#password", PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_text("You joined the organization");
    assert!(driver.current_url().ends_with("/account?notice=joined"));
    assert!(driver.source().contains("Acme"));
    snap(&driver, "joined");

    // She creates an organization of her own: it becomes the active one.
    driver.type_into("#org_name", "Carol Consulting");
    driver.click("form[action='/account/organizations'] button[type=submit]");
    driver.wait_for_text("Your organization is ready");
    let source = driver.source();
    let active_line = source
        .split("<li>")
        .find(|li| li.contains("Active"))
        .unwrap_or_default()
        .to_string();
    assert!(active_line.contains("Carol Consulting"), "{active_line}");

    // And switches back to Acme.
    driver.click("button[aria-label='Switch to Acme']");
    driver.wait_for_text("Apps you sign in to from now on use that organization.");
    let source = driver.source();
    let active_line = source
        .split("<li>")
        .find(|li| li.contains("Active"))
        .unwrap_or_default()
        .to_string();
    assert!(active_line.contains("Acme"), "{active_line}");
    snap(&driver, "switched");
    let roles = server
        .block_on(tessera::organizations::of_user(
            &server.state,
            &server
                .block_on(tessera::accounts::admin::find(
                    &server.state,
                    "carol@example.com",
                ))
                .expect("carol")
                .id,
        ))
        .expect("orgs");
    let mut roles: Vec<(String, String)> =
        roles.into_iter().map(|(o, m)| (o.slug, m.role)).collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("acme".to_string(), "member".to_string()),
            ("carol-consulting".to_string(), "admin".to_string())
        ]
    );
}

/// SAML in a real browser: the sign-in page's "Continue with SSO" sends a work address to the
/// organization's IdP (another Tessera), whose sign-in page posts the response back by its
/// script, and the person lands signed in where they were going.
#[test]
fn saml_single_sign_on_between_two_servers() {
    let Some(driver) = browser_or_skip() else {
        return;
    };
    let pair = crate::saml::federation::Pair::new(Backend::Sqlite, &[], &[]);
    let (sp, idp) = (&pair.sp.base_url, &pair.idp.base_url);
    driver.goto(&format!("{sp}/sign-in?return_to=%2Faccount"));
    driver.type_into("#email", "ada@acme.com");
    driver.click("button[name=sso]");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !driver.current_url().starts_with(&format!("{idp}/sign-in")) {
        assert!(
            std::time::Instant::now() < deadline,
            "never reached the IdP: {}",
            driver.current_url()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    snap(&driver, "saml-idp-sign-in");
    driver.type_into("#email", "ada@acme.com");
    driver.type_into("#password", PASSWORD);
    driver.click("button.primary");
    // The IdP's form posts itself to the SP's ACS; the SP signs the person in.
    driver.wait_for_text("Where you are signed in");
    assert!(driver.source().contains("ada@acme.com"));
    assert_eq!(driver.current_url(), format!("{sp}/account"));
    snap(&driver, "saml-signed-in");
}
