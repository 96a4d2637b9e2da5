//! `/dev/mail`: the mail a development server wrote to its data directory. Only mounted in
//! development mode.

use super::PageError;
use super::page::PageContext;
use super::views::{DevMailListView, DevMailView, MailPart};
use crate::app::AppState;
use crate::mail::{DevMailbox, Mailer};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

fn mailbox(state: &AppState) -> DevMailbox {
    match &state.mailer {
        Mailer::Directory(dir) => dir.clone(),
        Mailer::Smtp(_) => DevMailbox::new(state.config.data_dir.join("mail")),
    }
}

/// `GET /dev/mail`
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mails = {
        let mailbox = mailbox(&state);
        web::block(move || mailbox.list()).await.unwrap_or_default()
    };
    let page = PageContext::new(&req, &state, false);
    let view = DevMailListView {
        chrome: page.chrome.clone(),
        mails,
    };
    page.respond(StatusCode::OK, view.render())
}

/// `GET /dev/mail/{id}`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let mailbox = mailbox(&state);
    let id = id.into_inner();
    let mail = web::block(move || mailbox.get(&id))
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
        .ok_or(PageError::NotFound)?;
    let parts = split_links(&mail.text, &state.config.issuer);
    let page = PageContext::new(&req, &state, false);
    let view = DevMailView {
        chrome: page.chrome.clone(),
        mail,
        parts,
    };
    Ok(page.respond(StatusCode::OK, view.render()))
}

/// Splits a body into text and links to this server (only those become clickable).
fn split_links(text: &str, issuer: &str) -> Vec<MailPart> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(issuer) {
        let end = rest[start..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |e| start + e);
        parts.push(MailPart {
            text: rest[..start].to_string(),
            is_link: false,
        });
        parts.push(MailPart {
            text: rest[start..end].to_string(),
            is_link: true,
        });
        rest = &rest[end..];
    }
    parts.push(MailPart {
        text: rest.to_string(),
        is_link: false,
    });
    parts
}
