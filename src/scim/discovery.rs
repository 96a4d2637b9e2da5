//! Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, with
//! their single-resource forms. Everything here is generated from what the server does: the
//! schemas from `schema.rs` (the same definitions that read bodies and resolve filters), the
//! limits from the constants that enforce them. A filter on these endpoints is 403, as the RFC
//! asks, so a client never takes an unfiltered answer for a filtered one.

use super::caller::ScimCaller;
use super::error::{CONTENT_TYPE, ScimError};
use super::request;
use super::schema::{self, Attribute, Kind, Schema};
use crate::app::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The schemas served, in the order `/Schemas` lists them.
const SCHEMAS: [&Schema; 3] = [
    &schema::USER_SCHEMA,
    &schema::ENTERPRISE_USER_SCHEMA,
    &schema::GROUP_SCHEMA,
];

fn refuse_filter(query: &HashMap<String, String>) -> Result<(), ScimError> {
    if query.keys().any(|k| k.eq_ignore_ascii_case("filter")) {
        return Err(ScimError::Forbidden(
            "discovery endpoints do not take a filter".into(),
        ));
    }
    Ok(())
}

fn meta(base: &str, resource_type: &str, path: &str) -> Value {
    json!({
        "resourceType": resource_type,
        "location": format!("{base}{path}"),
    })
}

fn json_answer(body: &Value) -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .content_type(CONTENT_TYPE)
        .body(body.to_string())
}

/// The service provider configuration (RFC 7643 §5).
pub fn service_provider_config(base: &str) -> Value {
    let bulk = super::bulk::limits();
    json!({
        "schemas": [schema::SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": true},
        "bulk": {
            "supported": true,
            "maxOperations": bulk.max_operations,
            "maxPayloadSize": bulk.max_payload_size,
        },
        "filter": {"supported": true, "maxResults": request::MAX_RESULTS},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A directory connection's token, made with `tessera scim token \
                create`; it decides the organization provisioned.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": meta(base, "ServiceProviderConfig", "/ServiceProviderConfig"),
    })
}

/// The resource types (RFC 7643 §6).
pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [schema::RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person provisioned into the organization",
            "schema": schema::USER,
            "schemaExtensions": [{"schema": schema::ENTERPRISE_USER, "required": false}],
            "meta": meta(base, "ResourceType", "/ResourceTypes/User"),
        }),
        json!({
            "schemas": [schema::RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A group of the organization's Users",
            "schema": schema::GROUP,
            "meta": meta(base, "ResourceType", "/ResourceTypes/Group"),
        }),
    ]
}

fn attribute(a: &Attribute) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(a.name));
    out.insert("type".into(), json!(a.kind.as_str()));
    out.insert("multiValued".into(), json!(a.multi_valued));
    out.insert("description".into(), json!(a.description));
    out.insert("required".into(), json!(a.required));
    if a.kind != Kind::Complex && a.kind != Kind::Boolean {
        out.insert("caseExact".into(), json!(a.case_exact));
    }
    if !a.canonical_values.is_empty() {
        out.insert("canonicalValues".into(), json!(a.canonical_values));
    }
    if a.kind == Kind::Reference {
        out.insert("referenceTypes".into(), json!(a.reference_types));
    }
    out.insert("mutability".into(), json!(a.mutability.as_str()));
    out.insert("returned".into(), json!(a.returned.as_str()));
    out.insert(
        "uniqueness".into(),
        json!(if a.unique { "server" } else { "none" }),
    );
    if a.kind == Kind::Complex {
        out.insert(
            "subAttributes".into(),
            Value::Array(a.sub_attributes.iter().map(attribute).collect()),
        );
    }
    Value::Object(out)
}

/// A schema's representation (RFC 7643 §7).
pub fn schema_resource(base: &str, s: &Schema) -> Value {
    json!({
        "schemas": [schema::SCHEMA],
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "attributes": s.attributes.iter().map(attribute).collect::<Vec<_>>(),
        "meta": meta(base, "Schema", &format!("/Schemas/{}", s.id)),
    })
}

async fn get_config(
    state: web::Data<AppState>,
    _caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    refuse_filter(&query)?;
    Ok(json_answer(&service_provider_config(&request::base_url(
        &state,
    ))))
}

async fn list_resource_types(
    state: web::Data<AppState>,
    _caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    refuse_filter(&query)?;
    let all = resource_types(&request::base_url(&state));
    Ok(request::list(all.len() as i64, 1, all))
}

async fn get_resource_type(
    state: web::Data<AppState>,
    _caller: ScimCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    resource_types(&request::base_url(&state))
        .into_iter()
        .find(|t| t["id"].as_str() == Some(id.as_str()))
        .map(|t| json_answer(&t))
        .ok_or_else(|| ScimError::NotFound(format!("no resource type {:?}", id.as_str())))
}

async fn list_schemas(
    state: web::Data<AppState>,
    _caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    refuse_filter(&query)?;
    let base = request::base_url(&state);
    let all: Vec<Value> = SCHEMAS.iter().map(|s| schema_resource(&base, s)).collect();
    Ok(request::list(all.len() as i64, 1, all))
}

async fn get_schema(
    state: web::Data<AppState>,
    _caller: ScimCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let base = request::base_url(&state);
    SCHEMAS
        .iter()
        .find(|s| s.id == id.as_str())
        .map(|s| json_answer(&schema_resource(&base, s)))
        .ok_or_else(|| ScimError::NotFound(format!("no schema {:?}", id.as_str())))
}

/// Registers the routes (inside the `/scim/v2` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    use super::endpoints::method_not_allowed;
    cfg.service(
        web::resource("/ServiceProviderConfig")
            .route(web::get().to(get_config))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/ResourceTypes")
            .route(web::get().to(list_resource_types))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/ResourceTypes/{id}")
            .route(web::get().to(get_resource_type))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Schemas")
            .route(web::get().to(list_schemas))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Schemas/{id}")
            .route(web::get().to(get_schema))
            .default_service(web::to(method_not_allowed)),
    );
}
