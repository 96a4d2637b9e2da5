//! The attack corpus: each response is refused with the page (no session), and the audit log
//! says why, so a case refused for the wrong reason fails. XML signature wrapping follows the
//! eight shapes of Somorovsky et al. ("On Breaking SAML", 2012): XSW1-3 move or copy the signed
//! Response, XSW4-8 the signed Assertion, each beside an evil twin that would be read instead.

use super::idp::{self, RSA_SHA1, SHA1, SHA256, Signer};
use super::{IDP, Setup};
use crate::both_backends;

/// Posts `xml` for a fresh request (unless `relay` is given) and checks the refusal.
fn refused(setup: &Setup, name: &str, xml: &str, relay: &str, reason: &str) {
    let browser = setup.server.browser();
    let page = setup.post(&browser, xml, Some(relay));
    assert!(
        page.status == 400 || page.status == 403,
        "{name}: status {} {}",
        page.status,
        page.body
    );
    assert!(
        page.body.contains("<html") || page.body.contains("<!DOCTYPE html"),
        "{name}: a page"
    );
    assert!(!browser.is_signed_in(), "{name}: signed in!");
    assert_eq!(setup.last_failure(), reason, "{name}");
}

fn evil(spec: &idp::Spec) -> idp::Spec {
    let mut evil = spec.clone();
    evil.name_id = "admin@acme.com".into();
    evil.assertion_id = "_evil".into();
    evil.response_id = "_evilresponse".into();
    evil
}

/// Inserts `what` right after the start tag of the first `element`.
fn inside(xml: &str, element: &str, what: &str) -> String {
    let at = xml.find(element).unwrap();
    let end = at + xml[at..].find('>').unwrap() + 1;
    format!("{}{}{}", &xml[..end], what, &xml[end..])
}

both_backends! {
    fn every_attack_in_the_corpus_is_refused(backend) {
        let setup = Setup::new(backend, &[]);
        let browser = setup.server.browser();
        let (request_id, relay, _) = setup.start(&browser, "/account");
        let spec = setup.spec(Some(&request_id), "ada@acme.com");
        let signer = &setup.idp;
        let signed_assertion = signer.sign256(&spec.assertion(), &spec.assertion_id);
        let good = spec.response(&signed_assertion);
        let case = |name: &str, xml: &str, reason: &str| refused(&setup, name, xml, &relay, reason);

        case("unsigned", &spec.response(&spec.assertion()), "unsigned");
        let stripped = {
            let start = good.find("<ds:Signature").unwrap();
            let end = good.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
            format!("{}{}", &good[..start], &good[end..])
        };
        case("signature removed", &stripped, "unsigned");
        let stranger = Signer::new("idp.acme.test");
        case("signed by another key", &spec.response(&stranger.sign256(&spec.assertion(), &spec.assertion_id)), "bad_signature");
        // A clone: same subject, the real certificate in KeyInfo, signed with another key.
        let cloned = stranger
            .sign256(&spec.assertion(), &spec.assertion_id)
            .replace(&stranger.cert_base64(), &signer.cert_base64());
        case("re-signed with a cloned certificate", &spec.response(&cloned), "bad_signature");
        case("RSA-SHA1", &spec.response(&signer.sign(&spec.assertion(), &spec.assertion_id, RSA_SHA1, SHA1)), "weak_algorithm");
        case("SHA-1 digest", &spec.response(&signer.sign(&spec.assertion(), &spec.assertion_id, idp::RSA_SHA256, SHA1)), "weak_algorithm");
        case("content changed after signing", &good.replace("ada@acme.com", "admin@acme.com"), "bad_signature");
        case("comment in NameID", &spec.response(&signer.sign256(&spec.assertion().replace("ada@acme.com", "admin@acme.com<!---->.evil.test"), &spec.assertion_id)), "comment");
        let dtd = format!("<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}", good.replace("ada@acme.com", "&xxe;"));
        case("XXE", &dtd, "dtd");
        case("billion laughs", &format!("<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>{good}"), "dtd");
        case("not base64", "<<<", "malformed");
        case("larger than saml.max_response_bytes", &format!("<r>{}</r>", "a".repeat(300 * 1024)), "malformed");
        // References and transforms xmlsec would follow before checking the signature.
        let reference = format!("URI=\"#{}\"", spec.assertion_id);
        case("remote Reference", &good.replace(&reference, "URI=\"http://169.254.169.254/latest/meta-data\""), "bad_signature");
        case("file Reference", &good.replace(&reference, "URI=\"file:///etc/passwd\""), "bad_signature");
        case("XSLT transform", &good.replace("http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/TR/1999/REC-xslt-19991116"), "bad_signature");
        case("Manifest", &good.replace("</ds:Signature>", "<ds:Object><ds:Manifest><ds:Reference URI=\"http://169.254.169.254/\"/></ds:Manifest></ds:Object></ds:Signature>"), "bad_signature");
        case("UTF-7 declaration", &format!("<?xml version=\"1.0\" encoding=\"UTF-7\"?>{good}"), "malformed");
        case("plaintext inside EncryptedAssertion", &spec.response(&format!("<saml:EncryptedAssertion>{signed_assertion}</saml:EncryptedAssertion>")), "signature_wrapping");

        // Signature wrapping, Response-level (the Response signed, an evil one around it).
        let signed_response = signer.sign256(&spec.response(&spec.assertion()), &spec.response_id);
        let evil_spec = evil(&spec);
        let evil_assertion = evil_spec.assertion();
        // XSW1: an evil Response whose child is the signed Response.
        let xsw1 = evil_spec.response(&format!("{evil_assertion}{}", signed_response));
        case("XSW1", &xsw1, "signature_wrapping");
        // XSW2: the signed Response before the evil content, as a sibling-like child.
        let xsw2 = evil_spec.response(&format!("{}{evil_assertion}", signed_response));
        case("XSW2", &xsw2, "signature_wrapping");
        // XSW3: an evil assertion inserted into the signed Response (breaks its digest).
        case("XSW3", &inside(&signed_response, "</samlp:Status>", &evil_assertion), "bad_signature");

        // Assertion-level: the signed Assertion kept, an evil Assertion where it would be read.
        // XSW4: the evil assertion wraps the signed one.
        let xsw4 = spec.response(&evil_assertion.replace("</saml:Assertion>", &format!("{signed_assertion}</saml:Assertion>")));
        case("XSW4", &xsw4, "signature_wrapping");
        // XSW5: the evil assertion first, the signed one after.
        case("XSW5", &spec.response(&format!("{evil_assertion}{signed_assertion}")), "signature_wrapping");
        // XSW6: the signed assertion inside the evil assertion's Signature Object.
        let evil_signed = stranger.sign256(&evil_assertion, "_evil");
        let xsw6 = spec.response(&evil_signed.replace("</ds:Signature>", &format!("<ds:Object>{signed_assertion}</ds:Object></ds:Signature>")));
        case("XSW6", &xsw6, "bad_signature");
        // XSW7: the signed assertion hidden in an Extensions element, the evil one in its place.
        let xsw7 = spec.response(&format!("<samlp:Extensions>{signed_assertion}</samlp:Extensions>{evil_assertion}"));
        case("XSW7", &xsw7, "signature_wrapping");
        // XSW8: the signed assertion inside an Object of an unsigned copy's Signature.
        let xsw8 = spec.response(&evil_assertion.replace("<saml:Subject>", &format!("<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:Object>{signed_assertion}</ds:Object></ds:Signature><saml:Subject>")));
        case("XSW8", &xsw8, "bad_signature");

        // The profile's checks, each on an otherwise valid, properly signed response.
        let variant = |change: &dyn Fn(&mut idp::Spec)| {
            let mut s = setup.spec(Some(&request_id), "ada@acme.com");
            change(&mut s);
            s.signed_assertion_response(signer)
        };
        let now = setup.now();
        case("expired", &variant(&|s| { s.not_before = now - 900; s.not_on_or_after = now - 600; }), "expired");
        case("not yet valid", &variant(&|s| { s.not_before = now + 600; s.not_on_or_after = now + 900; }), "not_yet_valid");
        case("wrong Audience", &variant(&|s| s.audience = "https://other-sp.test".into()), "audience");
        case("wrong Recipient", &variant(&|s| s.recipient = "https://other-sp.test/acs".into()), "recipient");
        case("wrong Issuer", &variant(&|s| s.issuer = "https://other-idp.test".into()), "issuer");
        let wrong_destination = {
            let mut s = setup.spec(Some(&request_id), "ada@acme.com");
            s.destination = Some("https://other-sp.test/acs".into());
            signer.sign256(&s.signed_assertion_response(signer), &s.response_id)
        };
        case("wrong Destination", &wrong_destination, "destination");
        case("unknown InResponseTo", &variant(&|s| s.in_response_to = Some("_never_sent".into())), "unknown_request");
        case("error status", &variant(&|s| s.status = "urn:oasis:names:tc:SAML:2.0:status:Responder".into()), "status");
        refused(&setup, "wrong RelayState", &spec.signed_assertion_response(signer), "not-the-relay-state", "relay_state");

        // Encryption: rsa-1_5 and AES-CBC refused.
        let metadata = setup.server.browser().get(&format!("/saml/sp/{}/metadata", setup.id())).body;
        let start = metadata.find("<ds:X509Certificate>").unwrap() + "<ds:X509Certificate>".len();
        let sp_cert = &metadata[start..start + metadata[start..].find('<').unwrap()];
        let rsa15 = idp::encrypt(&signed_assertion, sp_cert, "http://www.w3.org/2001/04/xmlenc#rsa-1_5", "http://www.w3.org/2009/xmlenc11#aes128-gcm");
        case("rsa-1_5", &spec.response(&rsa15), "encryption");
        let cbc = idp::encrypt(&signed_assertion, sp_cert, "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "http://www.w3.org/2001/04/xmlenc#aes256-cbc");
        case("AES-CBC", &spec.response(&cbc), "encryption");
        let unsigned_inside = idp::encrypt(&spec.assertion(), sp_cert, "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#aes128-gcm");
        case("encrypted but unsigned", &spec.response(&unsigned_inside), "unsigned");

        // After all that, the genuine response still works once; then it is a replay, and
        // the request is used up.
        let done = setup.post(&browser, &good, Some(&relay));
        assert_eq!(done.status, 303, "{}", done.body);
        refused(&setup, "replayed assertion", &good, &relay, "replay");
        let again = setup.spec(Some(&request_id), "ada@acme.com").signed_assertion_response(signer);
        refused(&setup, "reused InResponseTo", &again, &relay, "request_used");
        let _ = (IDP, SHA256);
    }
}

both_backends! {
    fn the_replay_cache_holds_across_server_processes(backend) {
        let setup = Setup::new(backend, &["--allow-idp-initiated", "true"]);
        let response = setup.spec(None, "ada@acme.com").signed_assertion_response(&setup.idp);
        let browser = setup.server.browser();
        assert_eq!(setup.post(&browser, &response, None).status, 303);
        // A second server on the same database refuses the same assertion.
        // (Same issuer and data directory: the servers of one deployment share the master key.)
        let issuer = setup.server.state.config.issuer.clone();
        let data_dir = setup.server.state.config.data_dir.clone();
        let second = crate::support::TestServer::start_on(setup.server.db.clone(), move |c| {
            c.issuer = issuer;
            c.data_dir = data_dir;
        });
        let page = second.browser().post(&format!("/saml/sp/{}/acs", setup.id()), &[("SAMLResponse", &idp::b64(&response))]);
        assert_eq!(setup.last_failure(), "replay", "{}", page.status);
        assert_eq!(page.status, 400, "{}", page.body);
    }
}
