//! Why a SAML message was refused. Every variant has a stable `reason` (logged and put in the
//! audit event) and a friendly page text; the page never says more than that the sign-in could not
//! be completed and whom to ask, while the log says exactly which check failed.

use crate::storage::StorageError;

/// A refused or failed SAML exchange.
#[derive(Debug, thiserror::Error)]
pub enum SamlError {
    /// The message is not one we read: not base64, not UTF-8, not well-formed XML, too large.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A DTD, an entity declaration or reference: never part of SAML, refused before parsing.
    #[error("document type declarations and entities are refused")]
    Dtd,
    /// A comment or processing instruction inside the message (they can split a NameID or a
    /// value without breaking the signature).
    #[error("comments and processing instructions are refused")]
    Comment,
    /// Neither the Response nor the Assertion carries a signature.
    #[error("the response is not signed")]
    Unsigned,
    /// A signature does not verify with the connection's pinned certificates.
    #[error("signature invalid or not made by the pinned certificate")]
    BadSignature,
    /// A signature or digest algorithm outside the allowed set (RSA-SHA1, SHA-1 digests...).
    #[error("weak or unknown signature algorithm")]
    WeakAlgorithm,
    /// The signed element is not where the profile puts it (the root Response, or the one
    /// Assertion directly inside it), or other assertions sit beside it: signature wrapping.
    #[error("the signed element is out of place (signature wrapping)")]
    Wrapped,
    /// The signed content is not a Response or an Assertion, or holds no usable assertion.
    #[error("no signed assertion: {0}")]
    NoAssertion(&'static str),
    /// Encrypted with a key transport or cipher we refuse (rsa-1_5, AES-CBC), or undecryptable.
    #[error("encrypted assertion refused: {0}")]
    Encryption(String),
    #[error("the IdP answered with status {0}")]
    Status(String),
    #[error("wrong Issuer")]
    Issuer,
    #[error("wrong Destination")]
    Destination,
    #[error("wrong Recipient")]
    Recipient,
    #[error("wrong Audience")]
    Audience,
    #[error("the assertion has expired")]
    Expired,
    #[error("the assertion is not valid yet")]
    NotYetValid,
    /// No bearer SubjectConfirmation with the data the Web SSO profile requires.
    #[error("no usable bearer subject confirmation")]
    SubjectConfirmation,
    /// InResponseTo names no request we sent (or a request of another connection).
    #[error("InResponseTo names no pending request")]
    UnknownRequest,
    /// The request was already answered, or has expired.
    #[error("the request was already answered or has expired")]
    RequestUsed,
    /// RelayState does not belong to the request the response answers.
    #[error("RelayState does not match the request")]
    RelayState,
    /// An unsolicited response where the connection does not allow IdP-initiated sign-in.
    #[error("IdP-initiated sign-in is not enabled for this connection")]
    Unsolicited,
    /// This assertion id was accepted before.
    #[error("the assertion was already used (replay)")]
    Replay,
    /// The assertion has no NameID, or an attribute we need is missing or invalid.
    #[error("subject: {0}")]
    Subject(String),
    /// The account exists but may not sign in (disabled), or cannot be linked.
    #[error("account: {0}")]
    Account(String),
    #[error("no such connection")]
    UnknownConnection,
    /// This client address started too many sign-ins lately.
    #[error("too many SAML requests from this client")]
    TooMany,
    /// A request from a service provider nobody registered.
    #[error("no SAML app with entity id {0:?}")]
    UnknownApp(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("internal: {0}")]
    Internal(String),
}

impl SamlError {
    /// The stable reason (logs, audit events, metrics).
    pub fn reason(&self) -> &'static str {
        match self {
            SamlError::Malformed(_) => "malformed",
            SamlError::Dtd => "dtd",
            SamlError::Comment => "comment",
            SamlError::Unsigned => "unsigned",
            SamlError::BadSignature => "bad_signature",
            SamlError::WeakAlgorithm => "weak_algorithm",
            SamlError::Wrapped => "signature_wrapping",
            SamlError::NoAssertion(_) => "no_assertion",
            SamlError::Encryption(_) => "encryption",
            SamlError::Status(_) => "status",
            SamlError::Issuer => "issuer",
            SamlError::Destination => "destination",
            SamlError::Recipient => "recipient",
            SamlError::Audience => "audience",
            SamlError::Expired => "expired",
            SamlError::NotYetValid => "not_yet_valid",
            SamlError::SubjectConfirmation => "subject_confirmation",
            SamlError::UnknownRequest => "unknown_request",
            SamlError::RequestUsed => "request_used",
            SamlError::RelayState => "relay_state",
            SamlError::Unsolicited => "unsolicited",
            SamlError::Replay => "replay",
            SamlError::Subject(_) => "subject",
            SamlError::Account(_) => "account",
            SamlError::UnknownConnection => "unknown_connection",
            SamlError::TooMany => "too_many",
            SamlError::UnknownApp(_) => "unknown_app",
            SamlError::Storage(_) => "storage",
            SamlError::Internal(_) => "internal",
        }
    }

    /// The page's title and message.
    pub fn texts(&self) -> (&'static str, String) {
        match self {
            SamlError::Storage(StorageError::Unavailable(_)) => (
                "We are having trouble",
                "The service is temporarily unavailable. Please try again in a few seconds.".into(),
            ),
            SamlError::Storage(_) | SamlError::Internal(_) => (
                "Something went wrong",
                "We could not complete your sign-in. Please try again.".into(),
            ),
            SamlError::UnknownConnection => (
                "Page not found",
                "This single sign-on connection does not exist.".into(),
            ),
            SamlError::TooMany => (
                "Too many sign-ins",
                "Too many sign-ins were started from your network. Try again in a few minutes."
                    .into(),
            ),
            SamlError::UnknownApp(_) => (
                "Unknown application",
                "The application that sent you here is not registered. Tell its administrator."
                    .into(),
            ),
            SamlError::RequestUsed | SamlError::Expired | SamlError::UnknownRequest => (
                "Your sign-in has expired",
                "Single sign-on took too long or this page was reloaded. Start signing in again."
                    .into(),
            ),
            SamlError::Account(message) => (
                "You cannot sign in with this account",
                message.clone(),
            ),
            _ => (
                "Single sign-on failed",
                "Your organization's identity provider sent a sign-in we could not accept. Start signing in again; if it keeps failing, tell your IT administrator (the reference below helps them find out why).".into(),
            ),
        }
    }

    /// The HTTP status of the error page.
    pub fn status(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            SamlError::Storage(StorageError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            SamlError::Storage(_) | SamlError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            SamlError::UnknownConnection | SamlError::UnknownApp(_) => StatusCode::NOT_FOUND,
            SamlError::Account(_) => StatusCode::FORBIDDEN,
            SamlError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}
