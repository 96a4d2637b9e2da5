//! A tiny HTTP server on a loopback port standing in for a client's back end: it records every
//! request (first line and body) and answers with scripted statuses (then 200).

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A recorded request.
#[derive(Debug, Clone)]
pub struct Received {
    pub line: String,
    /// Header names in lowercase, with their values.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    /// The first value of a header (name in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The sink: its base URL and what it received.
pub struct HttpSink {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl HttpSink {
    /// Starts a sink answering the given statuses in order, then 200.
    pub fn start(statuses: &[u16]) -> Self {
        Self::serving(statuses, Arc::new(Mutex::new(String::new())))
    }

    /// Like [`start`](Self::start), answering with `body` (JSON), which the test may change.
    pub fn serving(statuses: &[u16], body: Arc<Mutex<String>>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let body_source = body;
        let mut script: Vec<u16> = statuses.to_vec();
        script.reverse();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let mut length = 0usize;
                let mut headers = Vec::new();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':') {
                        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                    }
                    if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length.min(1 << 20)];
                let _ = reader.read_exact(&mut body);
                let status = script.pop().unwrap_or(200);
                let answer = body_source.lock().expect("body").clone();
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                log.lock().expect("log").push(Received {
                    line: line.trim().to_string(),
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
            }
        });
        Self { base, received }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }

    /// Waits until `count` requests arrived (up to 10 s).
    pub fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} requests arrived",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
