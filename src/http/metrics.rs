//! Prometheus metrics, kept in memory and rendered at `/metrics`: requests by route and status with
//! latency histograms, sign-ins by outcome, and the password-hash queue depth.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// The metric registry of one server process.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    sign_ins: Mutex<BTreeMap<&'static str, u64>>,
    sequence: AtomicU32,
}

impl Metrics {
    /// Counts a finished request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.requests.lock() {
            map.entry((method.to_string(), route.to_string(), status))
                .or_default()
                .observe(seconds);
        }
    }

    /// Counts a sign-in attempt by outcome (`success`, `bad_credentials`, `throttled`...).
    pub fn count_sign_in(&self, outcome: &'static str) {
        if let Ok(mut map) = self.sign_ins.lock() {
            *map.entry(outcome).or_default() += 1;
        }
    }

    /// A number that grows by one per call; orders development mail within a second.
    pub fn next_sequence(&self) -> u32 {
        self.sequence.fetch_add(1, Ordering::SeqCst) % 1_000_000_000
    }

    /// The Prometheus text exposition.
    pub fn render(&self, hash_queue_depth: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP tessera_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE tessera_http_requests_total counter");
        let requests = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for ((method, route, status), h) in &requests {
            let _ = writeln!(
                out,
                "tessera_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP tessera_http_request_duration_seconds Time to answer HTTP requests."
        );
        let _ = writeln!(
            out,
            "# TYPE tessera_http_request_duration_seconds histogram"
        );
        for ((method, route, status), h) in &requests {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "tessera_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "tessera_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP tessera_sign_ins_total Password sign-in attempts by outcome."
        );
        let _ = writeln!(out, "# TYPE tessera_sign_ins_total counter");
        let sign_ins = self.sign_ins.lock().map(|m| m.clone()).unwrap_or_default();
        for (outcome, count) in sign_ins {
            let _ = writeln!(
                out,
                "tessera_sign_ins_total{{outcome=\"{outcome}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP tessera_password_hash_queue_depth Password hashes waiting for a thread."
        );
        let _ = writeln!(out, "# TYPE tessera_password_hash_queue_depth gauge");
        let _ = writeln!(out, "tessera_password_hash_queue_depth {hash_queue_depth}");
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The middleware that times every request under its route pattern (never the raw path, so the
/// number of series stays bounded).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let metrics = req
        .app_data::<web::Data<crate::app::AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().to_string();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_string());
        metrics.observe_request(
            &method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}
