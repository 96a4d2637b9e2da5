//! A SAML IdP for the tests, written independently of Tessera's own SAML code: its own key and
//! certificate, its own XML, signatures made by xmlsec (through samael), encryption by OpenSSL.
//! Every attack in the corpus is a variation of what it builds.

use base64::Engine;
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use samael::crypto::{Crypto, CryptoProvider};
use std::io::Read;

pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// A signing identity: key and self-signed certificate.
pub struct Signer {
    pub key: PKey<Private>,
    pub cert: X509,
}

impl Signer {
    /// A new key with a certificate for `subject`.
    pub fn new(subject: &str) -> Self {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", subject).unwrap();
        let name = name.build();
        let mut builder = X509::builder().unwrap();
        builder.set_version(2).unwrap();
        builder.set_subject_name(&name).unwrap();
        builder.set_issuer_name(&name).unwrap();
        builder.set_pubkey(&key).unwrap();
        builder
            .set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        builder
            .set_not_after(&Asn1Time::days_from_now(365).unwrap())
            .unwrap();
        builder.sign(&key, MessageDigest::sha256()).unwrap();
        Self {
            key,
            cert: builder.build(),
        }
    }

    pub fn cert_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.cert.to_der().unwrap())
    }

    pub fn cert_pem(&self) -> String {
        String::from_utf8(self.cert.to_pem().unwrap()).unwrap()
    }

    /// Signs the element with `ID="{id}"` in `xml` (its Signature goes right after its Issuer).
    pub fn sign(&self, xml: &str, id: &str, method: &str, digest: &str) -> String {
        let template = format!(
            concat!(
                "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                "<ds:SignatureMethod Algorithm=\"{method}\"/><ds:Reference URI=\"#{id}\"><ds:Transforms>",
                "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
                "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>",
                "<ds:DigestMethod Algorithm=\"{digest}\"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>",
                "<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>",
                "</ds:X509Data></ds:KeyInfo></ds:Signature>"
            ),
            method = method,
            id = id,
            digest = digest,
            cert = self.cert_base64(),
        );
        let element = xml.find(&format!("ID=\"{id}\"")).expect("element to sign");
        let issuer_end = element
            + xml[element..].find("</saml:Issuer>").expect("Issuer")
            + "</saml:Issuer>".len();
        let with_template = format!("{}{}{}", &xml[..issuer_end], template, &xml[issuer_end..]);
        // xmlsec signs the first template in document order: sign inner elements first.
        Crypto::sign_xml(with_template, &self.key.private_key_to_der().unwrap())
            .expect("signed")
            .replace("<?xml version=\"1.0\"?>\n", "")
            .trim_end()
            .to_string()
    }

    /// Signs with RSA-SHA256.
    pub fn sign256(&self, xml: &str, id: &str) -> String {
        self.sign(xml, id, RSA_SHA256, SHA256)
    }
}

/// The IdP's metadata.
pub fn metadata(entity_id: &str, sso_url: &str, signer: &Signer, want_signed: bool) -> String {
    format!(
        concat!(
            "<?xml version=\"1.0\"?>\n<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">",
            "<md:IDPSSODescriptor WantAuthnRequestsSigned=\"{want}\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
            "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data>",
            "<ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
            "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"{sso}/logout\"/>",
            "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>",
            "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"{sso}\"/>",
            "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{sso}\"/>",
            "</md:IDPSSODescriptor></md:EntityDescriptor>\n"
        ),
        entity = entity_id,
        want = want_signed,
        cert = signer.cert_base64(),
        sso = sso_url,
    )
}

/// What a response says; each field is something an attack can get wrong.
#[derive(Debug, Clone)]
pub struct Spec {
    pub response_id: String,
    pub assertion_id: String,
    pub issuer: String,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub recipient: String,
    pub audience: String,
    pub name_id: String,
    pub now: i64,
    pub not_before: i64,
    pub not_on_or_after: i64,
    pub attributes: Vec<(String, Vec<String>)>,
    pub status: String,
}

fn instant(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn id() -> String {
    format!("_t{}", uuid::Uuid::now_v7().simple())
}

impl Spec {
    /// A valid response to `request_id` for the connection at `sp` (its SP entity id) and `acs`.
    pub fn new(
        idp: &str,
        sp: &str,
        acs: &str,
        request_id: Option<&str>,
        name_id: &str,
        now: i64,
    ) -> Self {
        Self {
            response_id: id(),
            assertion_id: id(),
            issuer: idp.into(),
            destination: Some(acs.into()),
            in_response_to: request_id.map(str::to_string),
            recipient: acs.into(),
            audience: sp.into(),
            name_id: name_id.into(),
            now,
            not_before: now - 30,
            not_on_or_after: now + 300,
            attributes: Vec::new(),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
        }
    }

    pub fn attribute(mut self, name: &str, values: &[&str]) -> Self {
        self.attributes
            .push((name.into(), values.iter().map(|v| v.to_string()).collect()));
        self
    }

    /// The Assertion element (unsigned).
    pub fn assertion(&self) -> String {
        let in_response_to = self
            .in_response_to
            .as_ref()
            .map(|r| format!(" InResponseTo=\"{r}\""))
            .unwrap_or_default();
        let mut attributes = String::new();
        for (name, values) in &self.attributes {
            attributes.push_str(&format!("<saml:Attribute Name=\"{name}\">"));
            for value in values {
                attributes.push_str(&format!(
                    "<saml:AttributeValue>{value}</saml:AttributeValue>"
                ));
            }
            attributes.push_str("</saml:Attribute>");
        }
        format!(
            concat!(
                "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{aid}\" Version=\"2.0\" IssueInstant=\"{now}\">",
                "<saml:Issuer>{issuer}</saml:Issuer>",
                "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">{name_id}</saml:NameID>",
                "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">",
                "<saml:SubjectConfirmationData{irt} NotOnOrAfter=\"{nooa}\" Recipient=\"{recipient}\"/>",
                "</saml:SubjectConfirmation></saml:Subject>",
                "<saml:Conditions NotBefore=\"{nb}\" NotOnOrAfter=\"{nooa}\"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>",
                "<saml:AuthnStatement AuthnInstant=\"{now}\" SessionIndex=\"{aid}\"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
                "{attrs}",
                "</saml:Assertion>"
            ),
            aid = self.assertion_id,
            now = instant(self.now),
            issuer = self.issuer,
            name_id = self.name_id,
            irt = in_response_to,
            nooa = instant(self.not_on_or_after),
            nb = instant(self.not_before),
            recipient = self.recipient,
            audience = self.audience,
            attrs = if attributes.is_empty() {
                String::new()
            } else {
                format!("<saml:AttributeStatement>{attributes}</saml:AttributeStatement>")
            },
        )
    }

    /// A Response around `inner` (an assertion, signed or not, or an EncryptedAssertion).
    pub fn response(&self, inner: &str) -> String {
        let destination = self
            .destination
            .as_ref()
            .map(|d| format!(" Destination=\"{d}\""))
            .unwrap_or_default();
        let in_response_to = self
            .in_response_to
            .as_ref()
            .map(|r| format!(" InResponseTo=\"{r}\""))
            .unwrap_or_default();
        format!(
            concat!(
                "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
                "ID=\"{rid}\" Version=\"2.0\" IssueInstant=\"{now}\"{dest}{irt}>",
                "<saml:Issuer>{issuer}</saml:Issuer>",
                "<samlp:Status><samlp:StatusCode Value=\"{status}\"/></samlp:Status>",
                "{inner}</samlp:Response>"
            ),
            rid = self.response_id,
            now = instant(self.now),
            dest = destination,
            irt = in_response_to,
            issuer = self.issuer,
            status = self.status,
            inner = inner,
        )
    }

    /// The usual shape: an unsigned Response around a signed Assertion.
    pub fn signed_assertion_response(&self, signer: &Signer) -> String {
        self.response(&signer.sign256(&self.assertion(), &self.assertion_id))
    }

    /// A signed Response around a signed Assertion.
    pub fn fully_signed_response(&self, signer: &Signer) -> String {
        let response = self.signed_assertion_response(signer);
        signer.sign256(&response, &self.response_id)
    }
}

/// An EncryptedAssertion of `assertion` for the SP certificate (base64 DER): RSA-OAEP-MGF1P (or
/// the given key transport) and the given content cipher (AES-GCM unless told otherwise).
pub fn encrypt(
    assertion: &str,
    sp_cert_base64: &str,
    key_transport: &str,
    content: &str,
) -> String {
    let der = base64::engine::general_purpose::STANDARD
        .decode(sp_cert_base64)
        .unwrap();
    let cert = X509::from_der(&der).unwrap();
    let public = cert.public_key().unwrap();
    let (cipher, key_len, iv_len) = match content {
        "http://www.w3.org/2009/xmlenc11#aes256-gcm" => {
            (openssl::symm::Cipher::aes_256_gcm(), 32, 12)
        }
        "http://www.w3.org/2009/xmlenc11#aes128-gcm" => {
            (openssl::symm::Cipher::aes_128_gcm(), 16, 12)
        }
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc" => {
            (openssl::symm::Cipher::aes_256_cbc(), 32, 16)
        }
        other => panic!("{other}"),
    };
    let mut key = vec![0u8; key_len];
    openssl::rand::rand_bytes(&mut key).unwrap();
    let mut iv = vec![0u8; iv_len];
    openssl::rand::rand_bytes(&mut iv).unwrap();
    let mut data = iv.clone();
    if iv_len == 12 {
        let mut tag = [0u8; 16];
        let sealed = openssl::symm::encrypt_aead(
            cipher,
            &key,
            Some(&iv),
            &[],
            assertion.as_bytes(),
            &mut tag,
        )
        .unwrap();
        data.extend(sealed);
        data.extend(tag);
    } else {
        data.extend(openssl::symm::encrypt(cipher, &key, Some(&iv), assertion.as_bytes()).unwrap());
    }
    let padding = if key_transport.ends_with("rsa-1_5") {
        openssl::rsa::Padding::PKCS1
    } else {
        openssl::rsa::Padding::PKCS1_OAEP
    };
    let rsa = public.rsa().unwrap();
    let mut wrapped = vec![0u8; rsa.size() as usize];
    let n = rsa.public_encrypt(&key, &mut wrapped, padding).unwrap();
    wrapped.truncate(n);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    format!(
        concat!(
            "<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\">",
            "<xenc:EncryptionMethod Algorithm=\"{content}\"/>",
            "<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm=\"{transport}\"/>",
            "<xenc:CipherData><xenc:CipherValue>{key}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>",
            "<xenc:CipherData><xenc:CipherValue>{data}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>"
        ),
        content = content,
        transport = key_transport,
        key = b64(&wrapped),
        data = b64(&data),
    )
}

/// The AuthnRequest inside an HTTP-Redirect URL: (its XML, RelayState, the full query).
pub fn read_redirect(location: &str) -> (String, String, url::Url) {
    let url = url::Url::parse(location).expect("absolute IdP URL");
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(&query["SAMLRequest"])
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    (
        xml,
        query.get("RelayState").cloned().unwrap_or_default(),
        url,
    )
}

/// An attribute value of the first element with `element` in `xml`.
pub fn attribute_of(xml: &str, element: &str, attribute: &str) -> String {
    let at = xml
        .find(element)
        .unwrap_or_else(|| panic!("{element} in {xml}"));
    let rest = &xml[at..];
    let marker = format!("{attribute}=\"");
    let start = rest.find(&marker).unwrap() + marker.len();
    rest[start..start + rest[start..].find('"').unwrap()].to_string()
}

pub fn b64(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}
