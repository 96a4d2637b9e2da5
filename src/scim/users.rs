//! `/Users` (RFC 7644 §3.3–§3.6): what creating, reading, replacing, patching, deleting and
//! listing a User does; `endpoints.rs` wraps it in HTTP.

use super::caller::ScimCaller;
use super::endpoints::ResourceType;
use super::error::ScimError;
use super::provisioning::{self, UserGroups};
use super::request::{self, IfMatch, ListRequest};
use super::resolve;
use super::schema;
use super::user_resource::{self, Meta};
use crate::app::AppState;
use crate::storage::scim_query::Resource;
use crate::storage::scim_users::ScimUserRow;
use serde_json::{Map, Value, json};

/// A stored User as JSON, with its groups (from `groups`, keyed by SCIM user id).
pub fn render(
    state: &AppState,
    row: &ScimUserRow,
    groups: &UserGroups,
) -> Result<Value, ScimError> {
    let resource: Map<String, Value> = serde_json::from_str(&row.resource)
        .map_err(|e| ScimError::Internal(format!("stored SCIM user {}: {e}", row.id)))?;
    let base = request::base_url(state);
    let mut out = user_resource::render(
        &resource,
        &Meta {
            id: &row.id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            base_url: &base,
        },
    );
    if let Some(list) = groups.get(&row.id)
        && let Value::Object(fields) = &mut out
    {
        let items = list
            .iter()
            .map(|g| {
                json!({
                    "value": g.group_id,
                    "$ref": format!("{base}/Groups/{}", g.group_id),
                    "display": g.display_name,
                    "type": "direct",
                })
            })
            .collect();
        fields.insert("groups".into(), Value::Array(items));
    }
    Ok(out)
}

/// One stored User as JSON, its groups read.
async fn render_one(state: &AppState, row: &ScimUserRow) -> Result<Value, ScimError> {
    let groups = provisioning::groups_of(state, std::slice::from_ref(row)).await?;
    render(state, row, &groups)
}

/// The schemas a User PATCH resolves paths against.
const USER_SCHEMAS: super::patch::Schemas<'static> = super::patch::Schemas {
    core: &schema::USER_SCHEMA,
    common: &schema::COMMON,
    extensions: &[&schema::ENTERPRISE_USER_SCHEMA],
};

/// `/Users`.
pub struct Users;

impl ResourceType for Users {
    const PATH: &'static str = "/Users";

    fn project(value: Value, list: &ListRequest) -> Value {
        super::projection::project(
            value,
            &list.attributes,
            &list.excluded,
            schema::USER,
            &[schema::ENTERPRISE_USER],
        )
    }

    async fn create(
        state: &AppState,
        caller: &ScimCaller,
        body: &Value,
    ) -> Result<Value, ScimError> {
        let input = user_resource::read(body)?;
        let row = provisioning::create(state, caller, input).await?;
        render_one(state, &row).await
    }

    async fn get(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        _list: &ListRequest,
    ) -> Result<(i64, Value), ScimError> {
        let row = provisioning::get(state, caller, id).await?;
        Ok((row.version, render_one(state, &row).await?))
    }

    async fn replace(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        if_match: IfMatch,
    ) -> Result<Value, ScimError> {
        let mut input = user_resource::read(body)?;
        let password = input.password.clone();
        let row = provisioning::replace(state, caller, id, password.as_deref(), move |current| {
            if_match.check(current.version)?;
            user_resource::keep_active(&mut input, current.active);
            Ok(Some(input))
        })
        .await?;
        render_one(state, &row).await
    }

    async fn patch(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        if_match: IfMatch,
    ) -> Result<Value, ScimError> {
        let operations = super::patch::read(body)?;
        // The password is the one part a PATCH sets without the stored resource; it is hashed
        // before the transaction.
        let password = super::patch::password_of(&operations);
        let row = provisioning::replace(state, caller, id, password.as_deref(), move |current| {
            if_match.check(current.version)?;
            if operations.is_empty() {
                return Ok(None);
            }
            let stored: Map<String, Value> =
                serde_json::from_str(&current.resource).map_err(|e| {
                    ScimError::Internal(format!("stored SCIM user {}: {e}", current.id))
                })?;
            let patched = super::patch::apply(USER_SCHEMAS, &stored, &operations)?;
            if patched.resource == stored && patched.password.is_none() {
                return Ok(None);
            }
            // What PATCH produced must still be a valid User (a userName, say).
            let mut input = user_resource::from_resource(patched.resource, patched.password)?;
            user_resource::keep_active(&mut input, current.active);
            Ok(Some(input))
        })
        .await?;
        render_one(state, &row).await
    }

    async fn delete(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        if_match: IfMatch,
    ) -> Result<(), ScimError> {
        provisioning::delete(state, caller, id, move |current| {
            if_match.check(current.version)
        })
        .await
    }

    async fn query(
        state: &AppState,
        caller: &ScimCaller,
        list: &ListRequest,
    ) -> Result<(i64, Vec<Value>), ScimError> {
        let query = request::query_of(&resolve::USERS, Resource::User, caller, list)?;
        let (rows, total) = provisioning::query(state, query).await?;
        request::check_total(list, total, "Users")?;
        let groups = provisioning::groups_of(state, &rows).await?;
        let resources = rows
            .iter()
            .map(|row| render(state, row, &groups).map(|v| Self::project(v, list)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, resources))
    }
}
