//! Security headers on every response, and cookie attributes over https.

use crate::both_backends;
use crate::support::{PASSWORD, TestServer};

fn assert_strict_headers(page: &crate::support::Page, what: &str) {
    let csp = page
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on {what}"));
    for directive in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "style-src 'self'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{what}: {csp}"
    );
    assert_eq!(
        page.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        page.header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(
        page.header("x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert!(page.header("x-request-id").is_some(), "{what}");
}

both_backends! {
    fn every_response_carries_the_security_headers(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        for path in ["/sign-in", "/sign-up", "/forgot-password", "/no-such-page", "/healthz", "/readyz", "/metrics", "/static/tessera.css", "/brand.css", "/verify-email?token=x"] {
            let page = browser.get(path);
            assert_strict_headers(&page, path);
            assert!(page.header("strict-transport-security").is_none(), "no HSTS over http");
        }
        let post = browser.sign_in("ada@example.com", "wrong password here");
        assert_strict_headers(&post, "POST /sign-in");
        assert_eq!(post.header("cache-control").as_deref(), Some("no-store"));
        assert_eq!(browser.get("/account").header("cache-control").as_deref(), Some("no-store"));
        // No inline script or style anywhere on the pages.
        let page = browser.get("/account");
        assert!(!page.body.contains("<script") && !page.body.contains("style="));
    }
}

both_backends! {
    fn https_issuers_get_hsts_and_host_prefixed_secure_cookies(backend) {
        let server = TestServer::start_with(backend, |c| {
            c.issuer = "https://id.example.com".into();
            c.master_key = Some(tessera::config::SecretString::new("ab".repeat(32)));
        });
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        let page = browser.get("/sign-in");
        assert!(page.header("strict-transport-security").unwrap_or_default().contains("max-age=63072000"));
        let csrf = page.set_cookies().into_iter().find(|c| c.starts_with("__Host-tessera_csrf=")).expect("csrf cookie");
        for attribute in ["Secure", "HttpOnly", "Path=/"] {
            assert!(csrf.contains(attribute), "{csrf}");
        }
        assert!(!csrf.contains("Domain"), "{csrf}");
        let token = page.csrf_token();
        let signed_in = browser.post("/sign-in", &[("csrf_token", &token), ("email", "ada@example.com"), ("password", PASSWORD)]);
        assert_eq!(signed_in.status, 303);
        let cookies = signed_in.set_cookies();
        let session = cookies.iter().find(|c| c.starts_with("__Host-tessera_session=")).expect("session cookie");
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attribute), "{session}");
        }
        assert!(!session.contains("Domain"), "{session}");
        let device = cookies.iter().find(|c| c.starts_with("__Host-tessera_device=")).expect("device cookie");
        assert!(device.contains("Secure") && device.contains("SameSite=Strict"), "{device}");
        // Production mode: no development mail page.
        browser.get("/dev/mail").assert_status(404);
    }
}

both_backends! {
    fn request_ids_and_forwarded_addresses_from_clients_are_not_trusted_blindly(backend) {
        let server = TestServer::start_with(backend, |c| c.sign_in_throttle.ip_max_failures = 3);
        let client = reqwest::blocking::Client::new();
        let url = format!("{}/sign-in", server.base_url);
        let id = |value: &str| {
            client.get(&url).header("x-request-id", value).send().expect("GET")
                .headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
        };
        assert_eq!(id("abc-123.x_y"), "abc-123.x_y", "a plain token is kept for tracing");
        for hostile in ["<script>alert(1)</script>", "a b", &"x".repeat(65)] {
            let got = id(hostile);
            assert_ne!(got, hostile);
            assert_eq!(got.len(), 32, "replaced by a generated id: {got}");
        }
        // Without trusted proxies, X-Forwarded-For cannot move failures to other addresses.
        let browser = server.browser();
        let token = browser.get("/sign-in").csrf_token();
        let csrf_cookie = browser.cookie("tessera_csrf").expect("csrf cookie");
        for i in 0..4 {
            let status = client
                .post(&url)
                .header("cookie", format!("tessera_csrf={csrf_cookie}"))
                .header("x-forwarded-for", format!("203.0.113.{i}"))
                .form(&[("csrf_token", token.as_str()), ("email", &format!("u{i}@example.com")), ("password", "wrong wrong wrong")])
                .send()
                .expect("POST")
                .status()
                .as_u16();
            assert_eq!(status, if i < 3 { 401 } else { 429 }, "attempt {i}");
        }
    }
}
