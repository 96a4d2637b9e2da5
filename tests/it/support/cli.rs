//! The real `tessera` binary, run as a process on a test database.

use super::{Backend, TestDb};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Runs commands against one database and data directory.
pub struct Cli {
    pub db: Arc<TestDb>,
    pub data: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
    /// The JSON error: the last line of stderr (warnings may come before it).
    pub fn error_json(&self) -> serde_json::Value {
        let last = self.stderr.trim().lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stderr))
    }
}

impl Cli {
    pub fn new(backend: Backend) -> Self {
        Self::on(Arc::new(TestDb::new(backend)))
    }

    pub fn on(db: Arc<TestDb>) -> Self {
        Self {
            db,
            data: tempfile::tempdir().expect("dir"),
        }
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(args)
            .env("TESSERA_DATABASE_URL", self.db.url())
            .env("TESSERA_DATA_DIR", self.data.path())
            .env_remove("TESSERA_CONFIG")
            .current_dir(self.data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tessera");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write stdin");
        }
        drop(child.stdin.take());
        let output = child.wait_with_output().expect("wait");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
