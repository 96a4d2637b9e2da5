//! A minimal browser for HTTP tests: keeps cookies (so tests can also copy, drop or replay them),
//! does not follow redirects (so tests see them), and reads forms out of pages.

use reqwest::blocking::Client;
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Every `Set-Cookie` line.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> String {
        self.header("location")
            .unwrap_or_else(|| panic!("no Location (status {}): {}", self.status, self.body))
    }

    /// The CSRF token of the page's forms.
    pub fn csrf_token(&self) -> String {
        self.input_value("csrf_token")
            .unwrap_or_else(|| panic!("no csrf_token on page: {}", self.body))
    }

    /// The `value` of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let at = self.body.find(&marker)?;
        let tag_start = self.body[..at].rfind('<')?;
        let tag_end = at + self.body[at..].find('>')?;
        let tag = &self.body[tag_start..tag_end];
        let value_at = tag.find("value=\"")? + "value=\"".len();
        let value_end = value_at + tag[value_at..].find('"')?;
        Some(html_unescape(&tag[value_at..value_end]))
    }

    /// Asserts the body contains `text`.
    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text),
            "expected {text:?} in page (status {}):\n{}",
            self.status,
            self.body
        );
        self
    }

    /// Asserts the status.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }
}

fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One browser profile: its own cookies.
pub struct Browser {
    base: String,
    client: Client,
    pub cookies: Mutex<BTreeMap<String, String>>,
    pub user_agent: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
            cookies: Mutex::new(BTreeMap::new()),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
                .into(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .expect("cookies")
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&self, response: reqwest::blocking::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().unwrap_or_default();
        let page = Page {
            status,
            headers,
            body,
        };
        let mut jar = self.cookies.lock().expect("cookies");
        for line in page.set_cookies() {
            let first = line.split(';').next().unwrap_or_default();
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let lower = line.to_ascii_lowercase();
            let removed = value.is_empty()
                || lower.contains("max-age=0")
                || lower.contains("expires=thu, 01 jan 1970");
            if removed {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.to_string());
            }
        }
        page
    }

    /// GET a path.
    pub fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .header(COOKIE, self.cookie_header())
            .header("user-agent", &self.user_agent)
            .send()
            .expect("GET");
        self.absorb(response)
    }

    /// POST a form (fields as given; nothing added).
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .header("user-agent", &self.user_agent)
            .form(fields)
            .send()
            .expect("POST");
        self.absorb(response)
    }

    /// POST a raw body with a content type.
    pub fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let response = self
            .client
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .expect("POST");
        self.absorb(response)
    }

    /// Loads `form_page`, then POSTs `fields` to `action` with the page's CSRF token.
    pub fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(form_page).csrf_token();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all)
    }

    /// The value of a cookie.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("cookies").get(name).cloned()
    }

    /// Sets a cookie (to replay or forge one).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .expect("cookies")
            .insert(name.to_string(), value.to_string());
    }

    /// Forgets every cookie.
    pub fn clear_cookies(&self) {
        self.cookies.lock().expect("cookies").clear();
    }

    /// Signs in through the form; returns the response to the POST.
    pub fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/sign-in",
            "/sign-in",
            &[("email", email), ("password", password)],
        )
    }

    /// True when `/account` shows the account page rather than redirecting to sign in.
    pub fn is_signed_in(&self) -> bool {
        self.get("/account").status == 200
    }
}
