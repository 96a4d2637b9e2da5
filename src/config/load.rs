//! Merging the configuration layers into one [`Config`].

use super::{Config, SecretString, SmtpConfig, SmtpTls};
use std::path::PathBuf;
use toml::{Table, Value};

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Parse(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The raw inputs of each layer above the defaults.
#[derive(Debug, Default, Clone)]
pub struct ConfigSources {
    /// `--config`; when `None`, `./tessera.toml` is read if it exists.
    pub file: Option<PathBuf>,
    /// The process environment (only `TESSERA_*` entries are looked at).
    pub env: Vec<(String, String)>,
    /// Values given by command-line flags, as dotted keys of the file format.
    pub flags: Table,
}

/// A loaded configuration and what was noticed while loading it.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// Unknown keys and variables; shown as warnings at start-up.
    pub warnings: Vec<String>,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
}

/// Environment variables that belong to Tessera but are not configuration keys.
/// (`TESSERA_TEST_*` are the test suite's too.)
const NON_CONFIG_VARS: &[&str] = &[
    "CONFIG",
    "LOG",
    "REQUIRE_POSTGRES",
    "REQUIRE_BROWSER",
    "SCREENSHOTS",
];

/// Reads every layer and merges it: defaults, file, environment, flags.
pub fn load(sources: ConfigSources) -> Result<Loaded, ConfigError> {
    let mut warnings = Vec::new();
    let mut merged = Table::new();

    let file = match sources.file {
        Some(path) => Some(path),
        None => Some(PathBuf::from("tessera.toml")).filter(|p| p.exists()),
    };
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let table: Table = text
            .parse()
            .map_err(|e| ConfigError::Parse(format!("{}: {e}", path.display())))?;
        merge(&mut merged, table);
    }

    let template = type_template();
    merge(
        &mut merged,
        env_layer(&sources.env, &template, &mut warnings)?,
    );
    merge(&mut merged, sources.flags);

    let mut unknown = Vec::new();
    let config: Config =
        serde_ignored::deserialize(Value::Table(merged), |path| unknown.push(path.to_string()))
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
    warnings.extend(
        unknown
            .into_iter()
            .map(|key| format!("unknown configuration key `{key}` (ignored)")),
    );
    config.validate()?;
    Ok(Loaded {
        config,
        warnings,
        file,
    })
}

/// Turns `TESSERA_SECTION__KEY[_FILE]=value` into `section.key = value`, typed after the defaults.
fn env_layer(
    env: &[(String, String)],
    template: &Table,
    warnings: &mut Vec<String>,
) -> Result<Table, ConfigError> {
    let mut table = Table::new();
    let mut vars: Vec<_> = env
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("TESSERA_").map(|rest| (k, rest, v)))
        .collect();
    // A plain variable wins over its _FILE twin, so sort the _FILE ones first.
    vars.sort_by_key(|(_, rest, _)| !rest.ends_with("_FILE"));
    for (name, rest, value) in vars {
        if NON_CONFIG_VARS.contains(&rest) || rest.starts_with("TEST_") {
            continue;
        }
        let (key, value) = match rest.strip_suffix("_FILE") {
            Some(key) if lookup(template, &path_of(key)).is_some() => {
                let text = std::fs::read_to_string(value).map_err(|source| ConfigError::Read {
                    path: PathBuf::from(value),
                    source,
                })?;
                (key, text.trim_end_matches(['\n', '\r']).to_string())
            }
            _ => (rest, value.clone()),
        };
        let path = path_of(key);
        let Some(kind) = lookup(template, &path) else {
            warnings.push(format!("unknown environment variable {name} (ignored)"));
            continue;
        };
        let typed = coerce(kind, &value)
            .ok_or_else(|| ConfigError::Parse(format!("{name}: cannot read {value:?}")))?;
        insert_path(&mut table, &path, typed);
    }
    Ok(table)
}

fn path_of(key: &str) -> Vec<String> {
    key.split("__").map(|s| s.to_ascii_lowercase()).collect()
}

fn lookup<'a>(table: &'a Table, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let value = table.get(first)?;
    if rest.is_empty() {
        return Some(value);
    }
    match value {
        Value::Table(inner) => lookup(inner, rest),
        _ => None,
    }
}

fn coerce(kind: &Value, raw: &str) -> Option<Value> {
    Some(match kind {
        Value::Integer(_) => Value::Integer(raw.trim().parse().ok()?),
        Value::Boolean(_) => Value::Boolean(raw.trim().parse().ok()?),
        Value::Array(_) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        _ => Value::String(raw.to_string()),
    })
}

fn insert_path(table: &mut Table, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return;
    }
    let entry = table
        .entry(first.clone())
        .or_insert_with(|| Value::Table(Table::new()));
    if !entry.is_table() {
        *entry = Value::Table(Table::new());
    }
    if let Value::Table(inner) = entry {
        insert_path(inner, rest, value);
    }
}

/// Deep merge: tables merge key by key, anything else is replaced.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => merge(existing, incoming),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Every key with a value of its type, to know which variables exist and how to read them.
fn type_template() -> Table {
    let mut sample = Config {
        database_url: Some(String::new()),
        mode: Some(super::Mode::Development),
        http_workers: Some(1),
        secret_key: Some(SecretString::new("")),
        master_key: Some(SecretString::new("")),
        ..Config::default()
    };
    sample.argon2.workers = Some(1);
    sample.brand.logo_url = Some(String::new());
    sample.smtp = Some(SmtpConfig {
        host: String::new(),
        port: 0,
        tls: SmtpTls::Starttls,
        username: Some(String::new()),
        password: Some(SecretString::new("")),
        from: String::new(),
        timeout_seconds: 0,
    });
    match Value::try_from(&sample) {
        Ok(Value::Table(table)) => table,
        _ => Table::new(),
    }
}

/// Flags from the command line as a table, for [`ConfigSources::flags`].
pub fn flag_table(pairs: &[(&str, Option<Value>)]) -> Table {
    let mut table = Table::new();
    for (key, value) in pairs {
        if let Some(value) = value {
            let path: Vec<String> = key.split('.').map(str::to_string).collect();
            insert_path(&mut table, &path, value.clone());
        }
    }
    table
}
