//! How commands print: a line or a table for people, JSON for scripts.

use super::exit::CliError;
use crate::domain::User;
use serde_json::json;

/// A user as `--json` prints it (the admin surface, so private metadata is included).
pub fn user_json(user: &User) -> serde_json::Value {
    json!({
        "id": user.id,
        "email": user.email.as_str(),
        "email_verified": user.email_verified,
        "username": user.username,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "picture": user.picture,
        "locale": user.locale,
        "disabled": user.disabled,
        "has_password": user.has_password,
        "public_metadata": user.public_metadata,
        "private_metadata": user.private_metadata,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    })
}

/// Prints a value as one JSON document on stdout.
pub fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

/// The human form of one user.
pub fn print_user(user: &User) {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("id:             {}", user.id);
    println!(
        "email:          {}{}",
        user.email,
        if user.email_verified {
            " (verified)"
        } else {
            " (not verified)"
        }
    );
    println!("username:       {}", dash(&user.username));
    println!("name:           {}", dash(&user.name));
    println!("given name:     {}", dash(&user.given_name));
    println!("family name:    {}", dash(&user.family_name));
    println!("picture:        {}", dash(&user.picture));
    println!("locale:         {}", dash(&user.locale));
    println!(
        "status:         {}",
        if user.disabled { "disabled" } else { "active" }
    );
    println!(
        "password:       {}",
        if user.has_password { "set" } else { "not set" }
    );
    println!("public meta:    {}", user.public_metadata);
    println!("private meta:   {}", user.private_metadata);
    println!("created:        {}", timestamp(user.created_at));
    println!("updated:        {}", timestamp(user.updated_at));
}

/// A table of users.
pub fn print_user_table(users: &[User]) {
    println!(
        "{:<36}  {:<32}  {:<16}  {:<8}",
        "ID", "EMAIL", "USERNAME", "STATUS"
    );
    for user in users {
        println!(
            "{:<36}  {:<32}  {:<16}  {:<8}",
            user.id,
            user.email.as_str(),
            user.username.as_deref().unwrap_or("-"),
            if user.disabled { "disabled" } else { "active" }
        );
    }
}

pub fn timestamp(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_else(|| t.to_string())
}

/// Prints an error on stderr: `error: ...`, or a JSON object with `--json`.
pub fn print_error(error: &CliError, json: bool) {
    if json {
        let mut body = json!({ "error": { "code": error.code(), "message": error.to_string() } });
        if let CliError::Invalid(field) = error {
            body["error"]["field"] = json!(field.field);
        }
        eprintln!("{body}");
    } else {
        eprintln!("error: {error}");
    }
}
