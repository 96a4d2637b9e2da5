//! Configuration layers: defaults, then `tessera.toml`, then `TESSERA_*`, then flags; `*_FILE`
//! secrets; warnings for unknown keys; clear errors for bad values.

use tessera::config::{self, ConfigSources, DatabaseTarget, SignUpMode, SmtpTls, flag_table};
use toml::Value;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn defaults_are_a_working_development_server() {
    let loaded = config::load(ConfigSources {
        file: None,
        env: vec![],
        flags: Default::default(),
    })
    .expect("load");
    let c = loaded.config;
    assert_eq!(c.issuer, "http://localhost:8080");
    assert!(c.is_development());
    assert_eq!(
        c.database_target(),
        DatabaseTarget::Sqlite("./data/tessera.db".into())
    );
    assert_eq!(
        (
            c.argon2.memory_kib,
            c.argon2.iterations,
            c.argon2.parallelism
        ),
        (19456, 2, 1)
    );
    assert_eq!(c.sign_up.mode, SignUpMode::Open);
}

#[test]
fn layers_override_in_order_and_secrets_come_from_files() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(
        &dir,
        "tessera.toml",
        r##"
issuer = "https://id.example.com"
bind = "0.0.0.0:9000"
data_dir = "/var/lib/tessera"
database_url = "postgres://file@db/tessera"

[argon2]
memory_kib = 65536

[sign_up]
mode = "invite-only"

[brand]
product_name = "Acme ID"
primary_color = "#ff6600"

[smtp]
host = "smtp.example.com"
from = "Acme <id@example.com>"
"##,
    );
    let secret = write(&dir, "smtp-password", "s3cret from a file\n");
    let loaded = config::load(ConfigSources {
        file: Some(file),
        env: env(&[
            ("TESSERA_BIND", "127.0.0.1:9100"),
            ("TESSERA_ARGON2__ITERATIONS", "3"),
            (
                "TESSERA_SMTP__PASSWORD_FILE",
                secret.to_str().expect("path"),
            ),
            ("TESSERA_SMTP__TLS", "tls"),
            ("TESSERA_SMTP__PORT", "465"),
            ("TESSERA_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
            ("PATH", "/usr/bin"),
        ]),
        flags: flag_table(&[
            ("bind", Some(Value::String("127.0.0.1:9200".into()))),
            ("data_dir", None),
        ]),
    })
    .expect("load");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.issuer, "https://id.example.com", "from the file");
    assert_eq!(
        c.bind, "127.0.0.1:9200",
        "flag beats environment beats file"
    );
    assert_eq!(c.argon2.memory_kib, 65536);
    assert_eq!(c.argon2.iterations, 3, "environment, typed");
    assert_eq!(c.sign_up.mode, SignUpMode::InviteOnly);
    assert_eq!(c.brand.product_name, "Acme ID");
    assert_eq!(
        c.trusted_proxies,
        vec!["10.0.0.0/8".to_string(), "::1".to_string()]
    );
    let smtp = c.smtp.clone().expect("smtp");
    assert_eq!(
        smtp.password.as_ref().map(|p| p.expose()),
        Some("s3cret from a file")
    );
    assert_eq!(
        format!("{:?}", smtp.password),
        "Some([redacted])",
        "secrets never print"
    );
    assert_eq!((smtp.port, smtp.tls), (465, SmtpTls::Tls));
    assert!(!c.is_development(), "https means production");
    assert_eq!(
        c.database_target(),
        DatabaseTarget::Postgres("postgres://file@db/tessera".into())
    );
}

#[test]
fn unknown_keys_and_variables_are_warned_about() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(
        &dir,
        "tessera.toml",
        "isuer = \"typo\"\n[argon2]\nmemory = 1\n",
    );
    let loaded = config::load(ConfigSources {
        file: Some(file),
        env: env(&[
            ("TESSERA_BINDD", "x"),
            ("TESSERA_REQUIRE_POSTGRES", "1"),
            ("TESSERA_REQUIRE_BROWSER", "1"),
            ("TESSERA_LOG", "debug"),
        ]),
        flags: Default::default(),
    })
    .expect("load");
    let all = loaded.warnings.join("\n");
    assert!(all.contains("`isuer`"), "{all}");
    assert!(all.contains("`argon2.memory`"), "{all}");
    assert!(all.contains("TESSERA_BINDD"), "{all}");
    assert!(
        !all.contains("REQUIRE_") && !all.contains("TESSERA_LOG"),
        "{all}"
    );
}

#[test]
fn bad_values_are_refused_with_the_key_named() {
    let cases = [
        ("TESSERA_ISSUER", "http://id.example.com", "issuer"),
        ("TESSERA_ISSUER", "not a url", "issuer"),
        ("TESSERA_ISSUER", "https://id.example.com/?x=1", "issuer"),
        ("TESSERA_ARGON2__ITERATIONS", "0", "argon2"),
        (
            "TESSERA_ARGON2__ITERATIONS",
            "many",
            "TESSERA_ARGON2__ITERATIONS",
        ),
        (
            "TESSERA_BRAND__PRIMARY_COLOR",
            "red;}body{display:none",
            "primary_color",
        ),
        ("TESSERA_BRAND__LOGO_URL", "javascript:alert(1)", "logo_url"),
        ("TESSERA_SESSION__IDLE_TIMEOUT_SECONDS", "-1", "session"),
        ("TESSERA_SIGN_UP__MODE", "sometimes", "mode"),
        ("TESSERA_TRUSTED_PROXIES", "10.0.0.0/99", "trusted_proxies"),
    ];
    for (key, value, mention) in cases {
        let error = config::load(ConfigSources {
            file: None,
            env: env(&[(key, value)]),
            flags: Default::default(),
        })
        .err()
        .unwrap_or_else(|| panic!("{key}={value} accepted"));
        assert!(
            error.to_string().contains(mention),
            "{key}={value}: {error}"
        );
    }
    let missing = config::load(ConfigSources {
        file: Some("/nonexistent/tessera.toml".into()),
        env: vec![],
        flags: Default::default(),
    });
    assert!(
        missing
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("/nonexistent/tessera.toml")
    );
    let missing_secret = config::load(ConfigSources {
        file: None,
        env: env(&[("TESSERA_SECRET_KEY_FILE", "/nonexistent/key")]),
        flags: Default::default(),
    });
    assert!(missing_secret.is_err());
}
