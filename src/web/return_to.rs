//! `return_to`: where to send the browser after signing in. Only a path on this server is
//! honoured, never another origin (no open redirect), whatever tricks the value tries.

/// The path and query to return to, or `None` when the value is not a plain local path.
pub fn local_path(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty()
        || input.len() > 8192
        || !input.starts_with('/')
        || input.starts_with("//")
        || input.contains('\\')
        || input.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let base = url::Url::parse("http://tessera.invalid/").ok()?;
    let joined = base.join(input).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let mut out = joined.path().to_string();
    if let Some(query) = joined.query() {
        out.push('?');
        out.push_str(query);
    }
    Some(out)
}

/// The destination after sign-in: the checked `return_to`, else the account page.
pub fn destination(input: Option<&str>) -> String {
    input
        .and_then(local_path)
        .unwrap_or_else(|| "/account".to_string())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths() {
        assert_eq!(local_path("/account?x=1").as_deref(), Some("/account?x=1"));
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/%0d%0aSet-Cookie:x",
            "javascript:alert(1)",
            " //evil.example",
            "/\t/evil.example",
            "",
            "account",
        ] {
            let got = local_path(bad);
            assert!(
                got.is_none()
                    || got
                        .as_deref()
                        .is_some_and(|p| p.starts_with('/') && !p.starts_with("//")),
                "{bad:?} -> {got:?}"
            );
        }
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("//evil.example/"), None);
        assert_eq!(local_path("/\\evil.example"), None);
    }
}
