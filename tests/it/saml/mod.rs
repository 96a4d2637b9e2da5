//! SAML 2.0 enterprise connections (Tessera as SP), on both backends, against a test IdP
//! (`idp.rs`) that builds and signs its own XML with xmlsec. `sp.rs`: connections, metadata,
//! SP-initiated and IdP-initiated sign-in, JIT provisioning, linking, roles from groups,
//! encrypted assertions, home-realm discovery. `attacks.rs`: the attack corpus.

mod attacks;
pub mod federation;
mod idp;
mod sp;

use crate::support::TestServer;
use crate::support::browser::{Browser, Page};
use crate::support::cli::Cli;
use crate::support::mail::wait_for_mail;
use idp::Signer;
use serde_json::Value;
use tessera::mail::DevMailbox;

pub const IDP: &str = "https://idp.acme.test/saml";
pub const IDP_SSO: &str = "https://idp.acme.test/sso";

/// A server with organization `acme`, its verified domain acme.com, and a connection to the
/// test IdP serving that domain.
pub struct Setup {
    pub server: TestServer,
    pub cli: Cli,
    pub idp: Signer,
    pub connection: Value,
}

fn code_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_digit()))
        .expect("a code in the mail")
        .to_string()
}

/// Claims and verifies `domain` for `org` through the CLI (the mailed code).
pub fn verify_domain(cli: &Cli, org: &str, domain: &str) {
    assert_eq!(
        cli.run(&["domain", "add", "--org", org, domain], None).code,
        0
    );
    let email = format!("it@{domain}");
    let sent = cli.run(
        &[
            "domain",
            "send-code",
            "--org",
            org,
            domain,
            "--email",
            &email,
        ],
        None,
    );
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let mailbox = DevMailbox::new(cli.data.path().join("mail"));
    let code = code_in(&wait_for_mail(&mailbox, &email, 1)[0].text);
    let verified = cli.run(
        &["domain", "verify", "--org", org, domain, "--code", &code],
        None,
    );
    assert_eq!(verified.code, 0, "{}", verified.stderr);
}

impl Setup {
    pub fn new(backend: crate::support::Backend, extra: &[&str]) -> Self {
        Self::with(backend, extra, |_| {})
    }

    /// [`Setup::new`] on a server whose configuration `configure` adjusts.
    pub fn with(
        backend: crate::support::Backend,
        extra: &[&str],
        configure: impl FnOnce(&mut tessera::config::Config),
    ) -> Self {
        let server = TestServer::start_with(backend, configure);
        let cli = Cli::on(server.db.clone());
        assert_eq!(cli.run(&["org", "create", "--name", "Acme"], None).code, 0);
        verify_domain(&cli, "acme", "acme.com");
        let idp = Signer::new("idp.acme.test");
        let file = cli.data.path().join("idp-metadata.xml");
        std::fs::write(&file, idp::metadata(IDP, IDP_SSO, &idp, false)).unwrap();
        let mut args = vec![
            "saml",
            "connection",
            "add",
            "--org",
            "acme",
            "--metadata-file",
            file.to_str().unwrap(),
            "--domain",
            "acme.com",
            "--json",
        ];
        args.extend_from_slice(extra);
        let added = cli.run(&args, None);
        assert_eq!(added.code, 0, "{}", added.stderr);
        Self {
            server,
            cli,
            idp,
            connection: added.json(),
        }
    }

    pub fn id(&self) -> String {
        self.connection["id"].as_str().unwrap().to_string()
    }

    /// The ACS URL (the CLI prints it with its own configured issuer; the server's counts).
    pub fn acs(&self) -> String {
        self.server
            .state
            .url(&format!("/saml/sp/{}/acs", self.id()))
    }

    pub fn sp(&self) -> String {
        self.server
            .state
            .url(&format!("/saml/sp/{}/metadata", self.id()))
    }

    pub fn now(&self) -> i64 {
        tessera::clock::Clock::now(&self.server.clock)
    }

    /// Starts SP-initiated sign-in in `browser`: (request id, RelayState, AuthnRequest XML).
    pub fn start(&self, browser: &Browser, return_to: &str) -> (String, String, String) {
        let page = browser.get(&format!(
            "/saml/sp/{}/sso?return_to={}",
            self.id(),
            crate::scim::urlencode(return_to)
        ));
        assert_eq!(page.status, 303, "{}", page.body);
        let location = page.location();
        assert!(location.starts_with(IDP_SSO), "{location}");
        let (xml, relay, _) = idp::read_redirect(&location);
        let request_id = idp::attribute_of(&xml, "AuthnRequest", "ID");
        (request_id, relay, xml)
    }

    /// A valid response spec answering `request_id`.
    pub fn spec(&self, request_id: Option<&str>, name_id: &str) -> idp::Spec {
        idp::Spec::new(
            IDP,
            &self.sp(),
            &self.acs(),
            request_id,
            name_id,
            self.now(),
        )
    }

    /// Posts a response to the ACS.
    pub fn post(&self, browser: &Browser, xml: &str, relay: Option<&str>) -> Page {
        let encoded = idp::b64(xml);
        let mut fields = vec![("SAMLResponse", encoded.as_str())];
        if let Some(relay) = relay {
            fields.push(("RelayState", relay));
        }
        browser.post(&format!("/saml/sp/{}/acs", self.id()), &fields)
    }

    /// The reason of the newest failed SAML sign-in in the audit log.
    pub fn last_failure(&self) -> String {
        let run = self.cli.run(
            &[
                "audit",
                "list",
                "--action",
                "user.sign_in",
                "--outcome",
                "failure",
                "--limit",
                "1",
                "--json",
            ],
            None,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()[0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// Where the sign-in page's hand-off to an IdP leads (its link; the page also refreshes to it).
pub fn continue_link(page: &Page) -> String {
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "id=\"handoff\" href=\"";
    let at = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no SSO link: {}", page.body))
        + marker.len();
    let raw = &page.body[at..at + page.body[at..].find('"').unwrap()];
    assert!(
        page.body
            .contains(&format!("http-equiv=\"refresh\" content=\"0; url={raw}\"")),
        "it moves on by itself"
    );
    [
        ("&amp;", "&"),
        ("&#38;", "&"),
        ("&#x2f;", "/"),
        ("&#x2F;", "/"),
        ("&#61;", "="),
        ("&#43;", "+"),
        ("&#39;", "'"),
        ("&#34;", "\""),
    ]
    .iter()
    .fold(raw.to_string(), |text, (entity, character)| {
        text.replace(entity, character)
    })
}
