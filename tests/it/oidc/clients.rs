//! Client registration through the real `tessera client` command, on both backends: the secret is
//! shown once and stored only as its digest, redirect URIs follow the registration rules, and every
//! bad input is refused with exit code 5 and nothing written.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::{Backend, TestDb};
use tessera::config::DatabaseConfig;
use tessera::crypto::SecretDigest;

fn stored_client(db: &TestDb, id: &str) -> Option<tessera::domain::client::Client> {
    let target = if db.url().starts_with("postgres://") {
        tessera::config::DatabaseTarget::Postgres(db.url().to_string())
    } else {
        tessera::config::DatabaseTarget::Sqlite(db.url().into())
    };
    let store = tessera::storage::Db::new(target, &DatabaseConfig::default()).expect("db");
    store
        .run_blocking(|conn| tessera::storage::clients::find(conn, id))
        .expect("query")
}

both_backends! {
    fn create_show_list_update_rotate_and_delete(backend) {
        let cli = Cli::new(backend);
        let made = cli.run(&[
            "client", "create", "--name", "Billing", "--redirect-uri", "https://billing.example/cb",
            "--redirect-uri", "http://127.0.0.1/native", "--post-logout-redirect-uri",
            "https://billing.example/bye", "--scope", "openid", "--scope", "email", "--json",
        ], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let json = made.json();
        let id = json["client_id"].as_str().expect("client_id").to_string();
        let secret = json["client_secret"].as_str().expect("client_secret").to_string();
        assert_eq!(secret.len(), 43, "256 bits in base64url");
        assert_eq!(json["token_endpoint_auth_method"], "client_secret_basic");
        assert_eq!(json["grant_types"], serde_json::json!(["authorization_code", "refresh_token"]));
        assert_eq!(json["redirect_uris"][1], "http://127.0.0.1/native");

        let stored = stored_client(&cli.db, &id).expect("stored");
        assert_eq!(stored.secret_digest.as_deref(), Some(SecretDigest::of(&secret).as_str()));
        assert!(!cli.db.url().is_empty());

        let shown = cli.run(&["client", "show", &id, "--json"], None);
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        assert!(shown.json().get("client_secret").is_none(), "the secret is shown only once");
        assert!(!shown.stdout.contains(&secret));
        let human = cli.run(&["client", "show", &id], None);
        assert!(human.stdout.contains("Billing") && !human.stdout.contains(&secret));

        let listed = cli.run(&["client", "list", "--json"], None).json();
        assert_eq!(listed.as_array().map(Vec::len), Some(1));

        let updated = cli.run(&["client", "update", &id, "--redirect-uri", "https://billing.example/new", "--first-party", "true", "--json"], None);
        assert_eq!(updated.code, 0, "{}", updated.stderr);
        let updated = updated.json();
        assert_eq!(updated["redirect_uris"], serde_json::json!(["https://billing.example/new"]));
        assert_eq!(updated["first_party"], true);
        assert!(updated.get("client_secret").is_none(), "an update keeps the secret");

        let rotated = cli.run(&["client", "rotate-secret", &id, "--json"], None).json();
        let new_secret = rotated["client_secret"].as_str().expect("new secret");
        assert_ne!(new_secret, secret);
        let stored = stored_client(&cli.db, &id).expect("stored");
        assert_eq!(stored.secret_digest.as_deref(), Some(SecretDigest::of(new_secret).as_str()));

        assert_eq!(cli.run(&["client", "delete", &id], None).code, 0);
        let gone = cli.run(&["client", "show", &id, "--json"], None);
        assert_eq!(gone.code, 3);
        assert_eq!(gone.error_json()["error"]["code"], "not_found");
        assert_eq!(cli.run(&["client", "delete", &id], None).code, 3);
    }
}

#[test]
fn public_clients_have_no_secret() {
    let cli = Cli::new(Backend::Sqlite);
    let made = cli.run(
        &[
            "client",
            "create",
            "--name",
            "SPA",
            "--public",
            "--redirect-uri",
            "http://localhost:3000/cb",
            "--json",
        ],
        None,
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let json = made.json();
    assert!(json.get("client_secret").is_none());
    assert_eq!(json["token_endpoint_auth_method"], "none");
    assert_eq!(json["public"], true);
    let id = json["client_id"].as_str().expect("id");
    let rotate = cli.run(&["client", "rotate-secret", id], None);
    assert_eq!(rotate.code, 5, "{}", rotate.stderr);
    let conflicting = cli.run(
        &[
            "client",
            "create",
            "--name",
            "X",
            "--public",
            "--auth-method",
            "client_secret_post",
            "--redirect-uri",
            "http://localhost/cb",
        ],
        None,
    );
    assert_eq!(conflicting.code, 2, "{}", conflicting.stderr);
}

#[test]
fn bad_registrations_are_refused_and_nothing_is_written() {
    let cli = Cli::new(Backend::Sqlite);
    let base = ["client", "create", "--name", "Bad", "--json"];
    let cases: &[(&[&str], &str)] = &[
        (
            &["--redirect-uri", "http://app.example/cb"],
            "http is only allowed",
        ),
        (
            &["--redirect-uri", "https://app.example/cb#frag"],
            "fragment",
        ),
        (&["--redirect-uri", "/relative"], "absolute"),
        (&["--redirect-uri", "javascript:alert(1)"], "https"),
        (
            &["--redirect-uri", "https://user:pw@app.example/cb"],
            "credentials",
        ),
        (&[], "at least one redirect URI"),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--scope",
                "openid",
                "--scope",
                "a\\b",
            ],
            "invalid characters",
        ),
        (
            &["--redirect-uri", "https://a.example/cb", "--scope", "email"],
            "openid",
        ),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--auth-method",
                "private_key_jwt",
            ],
            "jwks-uri",
        ),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--jwks-uri",
                "https://a.example/jwks",
            ],
            "only used with",
        ),
        (
            &["--grant-type", "refresh_token"],
            "needs authorization_code",
        ),
        (
            &["--grant-type", "client_credentials", "--public"],
            "public client",
        ),
        (
            &[
                "--grant-type",
                "client_credentials",
                "--redirect-uri",
                "https://a.example/cb",
            ],
            "only used by",
        ),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--id-token-seconds",
                "999999999",
            ],
            "keep_after_rotation",
        ),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--backchannel-logout-uri",
                "http://a.example/bc",
            ],
            "https",
        ),
    ];
    for (extra, expected) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let run = cli.run(&args, None);
        assert_eq!(run.code, 5, "{extra:?}: {}", run.stderr);
        let error = run.error_json();
        assert_eq!(error["error"]["code"], "invalid", "{extra:?}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(expected),
            "{extra:?}: {error}"
        );
    }
    let empty_name = cli.run(
        &[
            "client",
            "create",
            "--name",
            " ",
            "--redirect-uri",
            "https://a.example/cb",
        ],
        None,
    );
    assert_eq!(empty_name.code, 5);
    let listed = cli.run(&["client", "list", "--json"], None).json();
    assert_eq!(listed, serde_json::json!([]), "nothing was written");
    let unknown = cli.run(&["client", "update", "nope", "--name", "x"], None);
    assert_eq!(unknown.code, 3, "{}", unknown.stderr);
}
