//! The OpenAPI 3.1 document of the admin API, generated from the handlers' annotations and the
//! request and response types, served at `/admin/v1/openapi.json`.

use super::{
    audit, clients, domains, organizations, problem, saml_connections, scim_group_roles,
    scim_tokens, users, webhooks,
};
use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "An admin API key (`tessera apikey create`); each route names the scope it needs."
                .into(),
        );
        components.add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera admin API", version = "1", description = "Manage users, organizations, clients, webhooks and read the audit log. Errors are RFC 9457 problem details; lists are paged with `limit` and `cursor`; POSTs accept an `Idempotency-Key`."),
    paths(
        users::list, users::create, users::get, users::update, users::delete,
        users::sessions, users::revoke_session,
        organizations::list, organizations::create, organizations::get, organizations::update,
        organizations::delete, organizations::members, organizations::add_member,
        organizations::set_role, organizations::remove_member, organizations::roles,
        organizations::create_role, organizations::update_role, organizations::delete_role,
        organizations::invitations_list, organizations::invite, organizations::revoke_invitation,
        domains::list, domains::add, domains::set_mode, domains::remove, domains::send_code,
        domains::verify,
        scim_tokens::list, scim_tokens::create, scim_tokens::revoke,
        scim_group_roles::list, scim_group_roles::set, scim_group_roles::remove,
        saml_connections::list, saml_connections::create, saml_connections::get,
        saml_connections::update, saml_connections::delete,
        clients::list, clients::create, clients::get, clients::update, clients::delete,
        clients::rotate_secret,
        audit::list,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::deliveries, webhooks::redeliver,
    ),
    components(schemas(problem::Problem)),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "users"), (name = "organizations"), (name = "clients"), (name = "audit"),
        (name = "webhooks"),
    )
)]
pub struct ApiDoc;

/// `GET /admin/v1/openapi.json`
pub async fn document() -> HttpResponse {
    match ApiDoc::openapi().to_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(error) => {
            tracing::error!(%error, "the OpenAPI document did not serialise");
            HttpResponse::InternalServerError().finish()
        }
    }
}
