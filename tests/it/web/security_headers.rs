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
