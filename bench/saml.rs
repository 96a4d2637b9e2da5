//! The CPU cost of one SAML sign-in on each side, with RSA-2048 keys:
//! - `idp/response`: building, signing (Assertion and Response) a Response, as `/saml/idp/sso` does;
//! - `idp/response_encrypted`: the same with the Assertion encrypted (AES-256-GCM, RSA-OAEP);
//! - `sp/verify`: the ACS's checks of a fully signed Response (XML guard, signature shape, xmlsec
//!   verification and reduction to the signed content, parsing) and the profile's checks;
//! - `sp/verify_encrypted`: the same for an encrypted assertion (plus decryption).
//!
//! `cargo bench --bench saml`

use criterion::{Criterion, criterion_group, criterion_main};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use tessera::crypto::ServerKey;
use tessera::crypto::saml_keys::SamlKey;
use tessera::saml::certificates::Certificate;
use tessera::saml::idp::response::{Issue, build, name_id};
use tessera::saml::sp::checks::{Expected, check};
use tessera::saml::sp::verify::verify;
use tessera::storage::saml_apps::SamlAppRow;

const SP: &str = "https://sp.example/saml/sp/c1/metadata";
const ACS: &str = "https://sp.example/saml/sp/c1/acs";
const IDP: &str = "https://id.example/saml/idp/metadata";

fn key(subject: &str) -> Option<SamlKey> {
    let private_key = PKey::from_rsa(Rsa::generate(2048).ok()?).ok()?;
    let mut name = X509NameBuilder::new().ok()?;
    name.append_entry_by_text("CN", subject).ok()?;
    let name = name.build();
    let mut builder = X509::builder().ok()?;
    builder.set_subject_name(&name).ok()?;
    builder.set_issuer_name(&name).ok()?;
    builder.set_pubkey(&private_key).ok()?;
    let not_before = Asn1Time::days_from_now(0).ok()?;
    builder.set_not_before(&not_before).ok()?;
    let not_after = Asn1Time::days_from_now(30).ok()?;
    builder.set_not_after(&not_after).ok()?;
    builder.sign(&private_key, MessageDigest::sha256()).ok()?;
    Some(SamlKey {
        id: subject.into(),
        private_key,
        certificate: builder.build().to_der().ok()?,
    })
}

fn app(encrypt: bool, sp_key: &SamlKey) -> SamlAppRow {
    SamlAppRow {
        id: "samla_bench".into(),
        name: "bench".into(),
        entity_id: SP.into(),
        acs_urls: ACS.into(),
        slo_url: None,
        certificates: Certificate::from_base64(&sp_key.certificate_base64())
            .map(|c| c.to_pem())
            .unwrap_or_default(),
        requests_signed: false,
        encrypt_assertions: encrypt,
        name_id_format: "persistent".into(),
        organization_id: None,
        metadata_url: None,
        created_at: 0,
        updated_at: 0,
    }
}

fn saml(c: &mut Criterion) {
    let (Some(idp_key), Some(sp_key)) = (key("idp"), key("sp")) else {
        return;
    };
    let server_key = ServerKey::from_secret("bench secret key for the persistent NameID");
    let user = tessera::domain::User::new(
        tessera::domain::EmailAddress::parse("ada@example.com").expect("address"),
        true,
        0,
    );
    let attributes = vec![
        ("email".to_string(), vec!["ada@example.com".to_string()]),
        ("given_name".to_string(), vec!["Ada".to_string()]),
        (
            "groups".to_string(),
            vec!["Engineering".to_string(), "Admins".to_string()],
        ),
    ];
    let now = tessera::clock::Clock::now(&tessera::clock::SystemClock);
    let response = |encrypt: bool| {
        let app = app(encrypt, &sp_key);
        let (format, value) = name_id(&server_key, &app, &user);
        let issue = Issue {
            idp_entity_id: IDP,
            app: &app,
            acs_url: ACS,
            in_response_to: Some("_request"),
            name_id: (format, &value),
            session_index: "_session",
            authn_instant: now,
            session_not_on_or_after: now + 3600,
            attributes: &attributes,
            now,
        };
        build(&issue, &idp_key).expect("response")
    };
    let pinned =
        vec![Certificate::from_base64(&idp_key.certificate_base64()).expect("certificate")];

    let expected = Expected {
        idp_entity_id: IDP,
        sp_entity_id: SP,
        acs_url: ACS,
        now,
        skew: 120,
    };

    let mut group = c.benchmark_group("saml");
    group.sample_size(50);
    group.bench_function("idp/response", |b| b.iter(|| response(false).len()));
    group.bench_function("idp/response_encrypted", |b| {
        b.iter(|| response(true).len())
    });
    for (name, encrypt) in [("sp/verify", false), ("sp/verify_encrypted", true)] {
        let xml = response(encrypt);
        group.bench_function(name, |b| {
            b.iter(|| {
                let keys = || {
                    Ok(vec![SamlKey {
                        id: sp_key.id.clone(),
                        private_key: sp_key.private_key.clone(),
                        certificate: sp_key.certificate.clone(),
                    }])
                };
                let verified = verify(&xml, &pinned, keys).expect("verified");
                check(&verified, &expected)
                    .expect("checked")
                    .assertion_id
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, saml);
criterion_main!(benches);
