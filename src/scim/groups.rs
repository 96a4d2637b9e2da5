//! `/Groups` (RFC 7644 §3.3–§3.6): what creating, reading, replacing, patching, deleting and
//! listing a Group does; `endpoints.rs` wraps it in HTTP.
//! Members are loaded only when the answer shows them (`excludedAttributes=members`, as Entra
//! ID sends, skips them), so large groups stay cheap to look up.

use super::caller::ScimCaller;
use super::endpoints::ResourceType;
use super::error::ScimError;
use super::group_provisioning::{self as provisioning, StoredGroup};
use super::group_resource::{self, GroupInput};
use super::request::{self, IfMatch, ListRequest};
use super::resolve;
use super::schema;
use super::user_resource::Meta;
use crate::app::AppState;
use crate::storage::scim_query::Resource;
use serde_json::Value;

/// A stored Group as JSON.
fn render(state: &AppState, group: &StoredGroup) -> Value {
    let base = request::base_url(state);
    let row = &group.row;
    group_resource::render(
        &row.display_name,
        row.external_id.as_deref(),
        &group.members,
        &Meta {
            id: &row.id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            base_url: &base,
        },
    )
}

/// Whether the answer shows members (so they are worth loading): not when `members` as a whole
/// is excluded, nor when `attributes` names neither `members` nor one of its sub-attributes.
fn wants_members(list: &ListRequest) -> bool {
    // Paths lower-cased, without the core schema's URN.
    let plain = |paths: &[String]| -> Vec<String> {
        let urn = format!("{}:", schema::GROUP.to_ascii_lowercase());
        paths
            .iter()
            .map(|p| {
                let p = p.to_ascii_lowercase();
                p.strip_prefix(&urn).map(str::to_string).unwrap_or(p)
            })
            .collect()
    };
    if plain(&list.excluded).iter().any(|p| p == "members") {
        return false;
    }
    list.attributes.is_empty()
        || plain(&list.attributes)
            .iter()
            .any(|p| p == "members" || p.starts_with("members."))
}

/// The schemas a Group PATCH resolves paths against.
const GROUP_SCHEMAS: super::patch::Schemas<'static> = super::patch::Schemas {
    core: &schema::GROUP_SCHEMA,
    common: &schema::COMMON,
    extensions: &[],
};

fn current_input(group: &StoredGroup) -> GroupInput {
    GroupInput {
        display_name: group.row.display_name.clone(),
        external_id: group.row.external_id.clone(),
        members: group.members.iter().map(|m| m.id.clone()).collect(),
    }
}

/// `/Groups`.
pub struct Groups;

impl ResourceType for Groups {
    const PATH: &'static str = "/Groups";

    fn project(value: Value, list: &ListRequest) -> Value {
        super::projection::project(value, &list.attributes, &list.excluded, schema::GROUP, &[])
    }

    async fn create(
        state: &AppState,
        caller: &ScimCaller,
        body: &Value,
    ) -> Result<Value, ScimError> {
        let input = group_resource::read(body)?;
        let group = provisioning::create(state, caller, input).await?;
        Ok(render(state, &group))
    }

    async fn get(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        list: &ListRequest,
    ) -> Result<(i64, Value), ScimError> {
        let group = provisioning::get(state, caller, id, wants_members(list)).await?;
        Ok((group.row.version, render(state, &group)))
    }

    async fn replace(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        if_match: IfMatch,
    ) -> Result<Value, ScimError> {
        let input = group_resource::read(body)?;
        let group = provisioning::replace(state, caller, id, move |current| {
            if_match.check(current.row.version)?;
            Ok((input != current_input(current)).then_some(input))
        })
        .await?;
        Ok(render(state, &group))
    }

    async fn patch(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        if_match: IfMatch,
    ) -> Result<Value, ScimError> {
        let operations = super::patch::read(body)?;
        let group = provisioning::replace(state, caller, id, move |current| {
            if_match.check(current.row.version)?;
            if operations.is_empty() {
                return Ok(None);
            }
            let input = current_input(current);
            let stored = group_resource::to_resource(&input);
            let patched = super::patch::apply(GROUP_SCHEMAS, &stored, &operations)?;
            let next = group_resource::from_resource(patched.resource)?;
            Ok((next != input).then_some(next))
        })
        .await?;
        Ok(render(state, &group))
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
        let query = request::query_of(&resolve::GROUPS, Resource::Group, caller, list)?;
        let (rows, total) = provisioning::query(state, query).await?;
        request::check_total(list, total, "Groups")?;
        let groups = if wants_members(list) {
            provisioning::with_members(state, caller, rows).await?
        } else {
            rows.into_iter()
                .map(|row| StoredGroup {
                    row,
                    members: Vec::new(),
                })
                .collect()
        };
        let resources = groups
            .iter()
            .map(|g| Self::project(render(state, g), list))
            .collect();
        Ok((total, resources))
    }
}
