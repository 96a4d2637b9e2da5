//! Messages shown after a redirect. The query names one of these fixed texts, so nothing a link
//! carries is ever shown on the page.

/// The text for a `notice` query value.
pub fn text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "signed-out" => "You are signed out.",
        "password-reset" => "Your password was changed. Sign in with your new password.",
        "email-verified" => "Your email address is verified.",
        "welcome" => "Welcome! Your account is ready.",
        "profile-saved" => "Your profile was saved.",
        "password-changed" => "Your password was changed and your other sessions were signed out.",
        "session-revoked" => "That session was signed out.",
        "sessions-revoked" => "All your other sessions were signed out.",
        "app-revoked" => "That app no longer has access to your account.",
        "organization-created" => "Your organization is ready, and you are its admin.",
        "joined" => "You joined the organization. Apps you sign in to from now on use it.",
        "organization-switched" => "Apps you sign in to from now on use that organization.",
        "verification-sent" => "We sent a verification link to your email address.",
        "session-expired" => "Your session ended. Please sign in again.",
        _ => return None,
    })
}
