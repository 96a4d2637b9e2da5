//! Security headers on every response (ASVS 5.0 V3.4): a strict Content-Security-Policy with no
//! script and no inline style, no framing, no MIME sniffing, no referrer (links carry tokens), and
//! HSTS when the issuer is https. Handlers may set a header themselves; these fill what is missing.

use actix_web::middleware::DefaultHeaders;

/// The policy of the hosted pages. Images may come from https (the brand logo, profile pictures).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page policy, with `source` also allowed as a form target (a page whose form ends in a
/// redirect to a client's redirect URI).
pub fn policy_with_form_target(source: &str) -> String {
    CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'",
        &format!("form-action 'self' {source}"),
    )
}

/// The middleware that adds the headers.
pub fn middleware(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ));
    if https {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}
