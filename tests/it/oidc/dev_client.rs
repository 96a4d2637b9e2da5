//! Development mode creates a demo client on first start and prints what an OIDC library needs.

use crate::ops::spawn_binary_with;
use std::time::{Duration, Instant};

fn printed(lines: &std::sync::Mutex<Vec<String>>, label: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(line) = lines
            .lock()
            .expect("lines")
            .iter()
            .find(|l| l.trim_start().starts_with(label))
        {
            return line.trim_start()[label.len()..].trim().to_string();
        }
        assert!(Instant::now() < deadline, "{label} was not printed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_prints_a_working_demo_client() {
    let data = tempfile::tempdir().expect("dir");
    let (mut child, base, lines) = spawn_binary_with(data.path(), &[]);
    let id = printed(&lines, "client id:");
    let secret = printed(&lines, "client secret:");
    let secret = secret
        .split_whitespace()
        .next()
        .expect("secret")
        .to_string();
    assert_eq!(secret.len(), 43);
    assert!(printed(&lines, "redirect URIs:").contains("http://localhost:3000/callback"));
    let http = reqwest::blocking::Client::new();
    let response = http
        .post(format!("{base}/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "unknown"),
        ])
        .send()
        .expect("token");
    // The credentials are accepted: the refusal is about the grant, not the client.
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.json::<serde_json::Value>().expect("json")["error"],
        "invalid_grant"
    );
    let _ = child.kill();
    let _ = child.wait();

    let (mut again, _, lines) = spawn_binary_with(data.path(), &[]);
    assert_eq!(
        printed(&lines, "client id:"),
        id,
        "the same demo client, not a new one"
    );
    assert!(
        printed(&lines, "client secret:").contains("rotate-secret"),
        "the secret is not shown twice"
    );
    let _ = again.kill();
    let _ = again.wait();
}
