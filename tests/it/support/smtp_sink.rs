//! A tiny SMTP server that accepts every message and keeps it, to show that mail really leaves
//! over SMTP when it is configured.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A received message: envelope recipients and the raw DATA.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

pub struct SmtpSink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut out = stream.try_clone().expect("clone");
                    let mut reader = BufReader::new(stream);
                    let _ = out.write_all(b"220 sink ESMTP\r\n");
                    let mut rcpt = Vec::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            let _ = out.write_all(b"250-sink\r\n250 8BITMIME\r\n");
                        } else if upper.starts_with("RCPT TO:") {
                            rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            let _ = out.write_all(b"250 ok\r\n");
                        } else if upper.starts_with("DATA") {
                            let _ = out.write_all(b"354 go on\r\n");
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == ".\r\n"
                                {
                                    break;
                                }
                                data.push_str(&line);
                            }
                            if let Ok(mut s) = store.lock() {
                                s.push(Received {
                                    rcpt: std::mem::take(&mut rcpt),
                                    data,
                                });
                            }
                            let _ = out.write_all(b"250 queued\r\n");
                        } else if upper.starts_with("QUIT") {
                            let _ = out.write_all(b"221 bye\r\n");
                            return;
                        } else {
                            let _ = out.write_all(b"250 ok\r\n");
                        }
                    }
                });
            }
        });
        Self { port, received }
    }
}
