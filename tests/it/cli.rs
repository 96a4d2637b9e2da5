//! The `tessera` command line, run as a real process against both backends: output, `--json`,
//! and exit codes a script can rely on.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::{Backend, PASSWORD};
use std::process::Command;

both_backends! {
    fn create_show_list_update_and_delete_users(backend) {
        let cli = Cli::new(backend);
        let created = cli.run(&["user", "create", "--email", "Ada@Example.com", "--username", "Ada", "--name", "Ada Lovelace", "--password-stdin", "--verified", "--json"], Some(&format!("{PASSWORD}\n")));
        assert_eq!(created.code, 0, "{}", created.stderr);
        let user = created.json();
        assert_eq!(user["email"], "ada@example.com");
        assert_eq!(user["username"], "ada");
        assert_eq!(user["email_verified"], true);
        assert_eq!(user["has_password"], true);
        let id = user["id"].as_str().expect("id").to_string();

        let human = cli.run(&["user", "show", "ada@example.com"], None);
        assert_eq!(human.code, 0);
        assert!(human.stdout.contains("Ada Lovelace") && human.stdout.contains("(verified)"), "{}", human.stdout);
        for reference in [id.as_str(), "ada", "ADA@example.com"] {
            assert_eq!(cli.run(&["user", "show", reference, "--json"], None).json()["id"], id.as_str());
        }

        cli.run(&["user", "create", "--email", "grace@example.com"], None);
        let list = cli.run(&["user", "list", "--json"], None).json();
        assert_eq!(list.as_array().map(Vec::len), Some(2));
        let search = cli.run(&["user", "list", "--search", "grace", "--json"], None).json();
        assert_eq!(search[0]["email"], "grace@example.com");
        let table = cli.run(&["user", "list"], None);
        assert!(table.stdout.starts_with("ID") && table.stdout.contains("grace@example.com"));
        let page = cli.run(&["user", "list", "--limit", "1", "--json"], None).json();
        let after = page[0]["id"].as_str().expect("id").to_string();
        let rest = cli.run(&["user", "list", "--after", &after, "--json"], None).json();
        assert_eq!(rest.as_array().map(Vec::len), Some(1));

        let updated = cli.run(&["user", "update", "ada", "--given-name", "Ada", "--family-name", "Lovelace", "--locale", "en_GB",
            "--public-metadata", "{\"plan\":\"pro\"}", "--private-metadata", "{\"note\":\"<b>vip</b>\"}", "--username", "", "--json"], None);
        assert_eq!(updated.code, 0, "{}", updated.stderr);
        let u = updated.json();
        assert_eq!(u["locale"], "en-GB");
        assert_eq!(u["public_metadata"]["plan"], "pro");
        assert_eq!(u["private_metadata"]["note"], "<b>vip</b>");
        assert_eq!(u["username"], serde_json::Value::Null, "an empty value clears");

        let email_change = cli.run(&["user", "update", &id, "--email", "ada@new.example", "--json"], None).json();
        assert_eq!(email_change["email_verified"], false, "a new address is unverified");

        assert_eq!(cli.run(&["user", "disable", &id, "--json"], None).json()["disabled"], true);
        assert_eq!(cli.run(&["user", "enable", &id, "--json"], None).json()["disabled"], false);

        let refused = cli.run(&["user", "delete", &id], None);
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert!(refused.stderr.contains("--yes"));
        let deleted = cli.run(&["user", "delete", &id, "--yes"], None);
        assert_eq!(deleted.code, 0);
        assert!(deleted.stdout.starts_with("deleted user"));
        assert_eq!(cli.run(&["user", "show", &id], None).code, 3);
    }
}

both_backends! {
    fn bad_input_gets_clear_errors_and_stable_exit_codes(backend) {
        let cli = Cli::new(backend);
        cli.run(&["user", "create", "--email", "ada@example.com", "--username", "ada"], None);
        let cases: Vec<(Vec<&str>, Option<&str>, i32, &str)> = vec![
            (vec!["user", "create", "--email", "ada@example.com"], None, 4, "conflict"),
            (vec!["user", "create", "--email", "other@example.com", "--username", "ADA"], None, 4, "conflict"),
            (vec!["user", "create", "--email", "not-an-email"], None, 5, "invalid"),
            (vec!["user", "create", "--email", "\u{430}dmin@example.com"], None, 5, "invalid"),
            (vec!["user", "create", "--email", "x@example.com", "--password-stdin"], Some("password\n"), 5, "invalid"),
            (vec!["user", "create", "--email", "x@example.com", "--password-stdin"], Some(""), 2, "usage"),
            (vec!["user", "create", "--email", "x@example.com", "--name", "a\u{0007}b"], None, 5, "invalid"),
            (vec!["user", "show", "nobody@example.com"], None, 3, "not_found"),
            (vec!["user", "show", "' OR 1=1 --"], None, 3, "not_found"),
            (vec!["user", "update", "ada", "--public-metadata", "[1,2]"], None, 5, "invalid"),
            (vec!["user", "update", "ada", "--private-metadata", "{nope"], None, 5, "invalid"),
            (vec!["user", "update", "ada", "--picture", "javascript:alert(1)"], None, 5, "invalid"),
            (vec!["user", "set-password", "ada"], None, 2, "usage"),
            (vec!["user", "set-password", "ada", "--password-stdin"], Some("ada@example.com\n"), 5, "invalid"),
            (vec!["user", "list", "--limit", "0"], None, 2, "usage"),
        ];
        for (mut args, stdin, code, kind) in cases {
            args.push("--json");
            let run = cli.run(&args, stdin);
            assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
            assert_eq!(run.error_json()["error"]["code"], kind, "{args:?}");
            assert!(run.stdout.is_empty(), "{args:?} printed {}", run.stdout);
        }
        // Unknown flags are clap's usage errors.
        assert_eq!(cli.run(&["user", "create", "--emial", "x@example.com"], None).code, 2);
        // Nothing was half-created by the failures.
        assert_eq!(cli.run(&["user", "list", "--json"], None).json().as_array().map(Vec::len), Some(1));
    }
}

both_backends! {
    fn password_and_status_changes_reach_a_running_server(backend) {
        let server = crate::support::TestServer::start(backend);
        let cli = Cli::on(server.db.clone());
        let created = cli.run(&["user", "create", "--email", "ada@example.com"], None);
        assert_eq!(created.code, 0, "{}", created.stderr);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD).assert_status(401);
        // Trailing CR/LF from stdin are not part of the password.
        let set = cli.run(&["user", "set-password", "ada@example.com", "--password-stdin", "--json"], Some(&format!("{PASSWORD}\r\n")));
        assert_eq!(set.code, 0, "{}", set.stderr);
        assert_eq!(set.json()["has_password"], true);
        assert_eq!(browser.sign_in("ada@example.com", PASSWORD).status, 303);

        // Disabling from the CLI ends the session the server holds.
        assert_eq!(cli.run(&["user", "disable", "ada@example.com"], None).code, 0);
        assert!(!browser.is_signed_in());
        assert_eq!(cli.run(&["user", "enable", "ada@example.com"], None).code, 0);
        assert_eq!(browser.sign_in("ada@example.com", PASSWORD).status, 303);

        // A new password from the CLI ends every session.
        cli.run(&["user", "set-password", "ada@example.com", "--password-stdin"], Some("another good passphrase\n"));
        assert!(!browser.is_signed_in());
    }
}

#[test]
fn configuration_and_database_errors_have_their_own_exit_codes() {
    let cli = Cli::new(Backend::Sqlite);
    let bad_config = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["user", "list"])
        .env("TESSERA_DATA_DIR", cli.data.path())
        .env("TESSERA_ISSUER", "ftp://example.com")
        .output()
        .expect("run");
    assert_eq!(bad_config.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&bad_config.stderr).contains("issuer"));

    let unreachable = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["user", "list", "--json"])
        .env("TESSERA_DATA_DIR", cli.data.path())
        .env(
            "TESSERA_DATABASE_URL",
            "postgres://postgres@127.0.0.1:9/none",
        )
        .env("TESSERA_DATABASE__CONNECT_TIMEOUT_SECONDS", "1")
        .output()
        .expect("run");
    assert_eq!(
        unreachable.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&unreachable.stderr)
    );
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("\"unavailable\""));
}

#[test]
fn migrate_applies_once() {
    let cli = Cli::new(Backend::Sqlite);
    let first = cli.run(&["migrate"], None);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("applied 0001"), "{}", first.stdout);
    let second = cli.run(&["migrate"], None);
    assert!(second.stdout.contains("up to date"), "{}", second.stdout);
}

both_backends! {
    fn keys_list_rotate_and_retire(backend) {
        let cli = Cli::new(backend);
        let listed = cli.run(&["keys", "list", "--json"], None);
        assert_eq!(listed.code, 0, "{}", listed.stderr);
        let keys = listed.json();
        let signing: Vec<_> = keys.as_array().expect("array").iter().filter(|k| k["status"] == "signing").collect();
        assert_eq!(signing.len(), 3, "one signing key per algorithm: {keys}");
        let old_es256 = signing.iter().find(|k| k["alg"] == "ES256").expect("ES256")["kid"].as_str().expect("kid").to_string();

        let rotated = cli.run(&["keys", "rotate", "--alg", "ES256", "--json"], None);
        assert_eq!(rotated.code, 0, "{}", rotated.stderr);
        let new_kid = rotated.json()["created"][0].as_str().expect("kid").to_string();
        let table = cli.run(&["keys", "list"], None);
        assert!(table.stdout.starts_with("KID"), "{}", table.stdout);
        assert!(table.stdout.lines().any(|l| l.starts_with(&old_es256) && l.contains("rotated")), "{}", table.stdout);
        assert!(table.stdout.lines().any(|l| l.starts_with(&new_kid) && l.contains("signing")), "{}", table.stdout);

        let refused = cli.run(&["keys", "retire", &new_kid, "--json"], None);
        assert_eq!(refused.code, 3, "a signing key cannot be retired: {}", refused.stderr);
        assert_eq!(cli.run(&["keys", "retire", "nope", "--json"], None).code, 3);
        let retired = cli.run(&["keys", "retire", &old_es256], None);
        assert_eq!(retired.code, 0, "{}", retired.stderr);
        let after = cli.run(&["keys", "list", "--json"], None).json();
        let status = after.as_array().expect("array").iter().find(|k| k["kid"] == old_es256.as_str()).expect("listed")["status"].clone();
        assert_eq!(status, "retired");

        assert_eq!(cli.run(&["keys", "rotate", "--alg", "HS256"], None).code, 2, "unknown algorithms are usage errors");
        let all = cli.run(&["keys", "rotate"], None);
        assert_eq!(all.stdout.lines().count(), 3, "{}", all.stdout);
    }
}

#[test]
fn production_without_a_master_key_is_a_configuration_error() {
    let cli = Cli::new(Backend::Sqlite);
    let output = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["keys", "list"])
        .env("TESSERA_DATA_DIR", cli.data.path())
        .env("TESSERA_DATABASE_URL", cli.db.url())
        .env("TESSERA_ISSUER", "https://id.example.com")
        .env_remove("TESSERA_MASTER_KEY")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&output.stderr).contains("master_key"));
    let ok = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["keys", "list"])
        .env("TESSERA_DATA_DIR", cli.data.path())
        .env("TESSERA_DATABASE_URL", cli.db.url())
        .env("TESSERA_ISSUER", "https://id.example.com")
        .env("TESSERA_MASTER_KEY", "cd".repeat(32))
        .output()
        .expect("run");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}
