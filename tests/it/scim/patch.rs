//! PATCH over HTTP, and replays of what Okta and Entra ID send when they provision, update,
//! deactivate and delete a user.

use super::Directory;
use crate::both_backends;
use crate::support::TestServer;
use serde_json::{Value, json};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn patch_body(operations: Value) -> Value {
    json!({"schemas": [PATCH], "Operations": operations})
}

fn filter_path(user_name: &str) -> String {
    let encoded = super::urlencode(&format!("userName eq \"{user_name}\""));
    format!("/Users?filter={encoded}&startIndex=1&count=100")
}

fn membership_disabled(server: &TestServer, email: &str) -> Option<bool> {
    server
        .block_on(tessera::organizations::members(&server.state, "acme"))
        .expect("members")
        .into_iter()
        .find(|(_, e)| e == email)
        .map(|(m, _)| m.disabled)
}

both_backends! {
    fn patch_is_atomic_checks_versions_and_reports_errors(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let user = dir.create_user(&json!({
            "userName": "ada@acme.test",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@acme.test", "type": "work", "primary": true}],
        }));
        let path = format!("/Users/{}", user["id"].as_str().expect("id"));
        let etag = user["meta"]["version"].as_str().expect("version").to_string();

        let patched = dir.send("PATCH", &path, Some(&patch_body(json!([
            {"op": "replace", "path": "name.familyName", "value": "King"},
            {"op": "add", "path": "phoneNumbers", "value": [{"value": "+44 1", "type": "work"}]},
        ]))), &[("if-match", &etag)]);
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["name"]["familyName"], "King");
        assert_eq!(patched.body["phoneNumbers"][0]["value"], "+44 1");
        assert_ne!(patched.header("etag"), Some(etag.as_str()));
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "ada@acme.test")).expect("account");
        assert_eq!(account.family_name.as_deref(), Some("King"));
        // The stale version is refused now.
        dir.send("PATCH", &path, Some(&patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]))), &[("if-match", &etag)])
            .assert_error(412, None);

        // One failing operation leaves the resource untouched.
        let before = dir.get(&path).body;
        for (operations, scim_type) in [
            (json!([{"op": "replace", "path": "title", "value": "Countess"}, {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x"}]), "noTarget"),
            (json!([{"op": "replace", "path": "title", "value": "Countess"}, {"op": "remove"}]), "noTarget"),
            (json!([{"op": "replace", "path": "title", "value": "Countess"}, {"op": "replace", "path": "nosuch.thing", "value": "x"}]), "invalidPath"),
            (json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]), "invalidPath"),
            (json!([{"op": "replace", "path": "title", "value": "Countess"}, {"op": "replace", "path": "id", "value": "mine"}]), "mutability"),
            (json!([{"op": "replace", "path": "title", "value": "Countess"}, {"op": "replace", "path": "active", "value": "perhaps"}]), "invalidValue"),
            (json!([{"op": "remove", "path": "userName"}]), "invalidValue"),
            (json!([{"op": "replace", "path": "title", "value": 7}]), "invalidValue"),
        ] {
            dir.send("PATCH", &path, Some(&patch_body(operations.clone())), &[]).assert_error(400, Some(scim_type));
            assert_eq!(dir.get(&path).body, before, "{operations}");
        }
        dir.send("PATCH", &path, Some(&json!({"Operations": []})), &[]).assert_error(400, Some("invalidSyntax"));
        dir.raw("PATCH", &path, "{not json").assert_error(400, Some("invalidSyntax"));
        dir.send("PATCH", "/Users/unknown", Some(&patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]))), &[]).assert_error(404, None);

        // An empty list of operations changes nothing and says so with the resource.
        let empty = dir.send("PATCH", &path, Some(&patch_body(json!([]))), &[]);
        assert_eq!((empty.status, &empty.body), (200, &before));

        // Renaming onto a taken userName is 409.
        dir.create_user(&json!({"userName": "grace@acme.test"}));
        dir.send("PATCH", &path, Some(&patch_body(json!([{"op": "replace", "path": "userName", "value": "GRACE@acme.test"}]))), &[])
            .assert_error(409, Some("uniqueness"));
    }
}

both_backends! {
    fn okta_provisions_updates_and_deactivates_a_user(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        // Okta looks the user up first, then creates it.
        let lookup = dir.get(&filter_path("dade.murphy@acme.test"));
        assert_eq!((lookup.status, lookup.body["totalResults"].as_i64()), (200, Some(0)));
        let created = dir.post("/Users", &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "dade.murphy@acme.test",
            "name": {"givenName": "Dade", "familyName": "Murphy"},
            "emails": [{"primary": true, "value": "dade.murphy@acme.test", "type": "work"}],
            "displayName": "Dade Murphy",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq-zero cool 1988",
            "active": true
        }));
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().expect("id").to_string();
        let found = dir.get(&filter_path("dade.murphy@acme.test"));
        assert_eq!(Directory::ids(&found), vec![id.clone()]);
        assert_eq!(dir.get(&format!("/Users/{id}")).status, 200);
        // Profile push: a PUT of the whole user.
        let put = dir.send("PUT", &format!("/Users/{id}"), Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": id,
            "userName": "dade.murphy@acme.test",
            "name": {"givenName": "Dade", "familyName": "Murphy-Burns"},
            "emails": [{"primary": true, "value": "dade.murphy@acme.test", "type": "work"}],
            "active": true,
            "groups": [],
            "meta": {"resourceType": "User"}
        })), &[]);
        assert_eq!(put.status, 200, "{}", put.body);
        // Deactivation: a replace without a path.
        let off = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([{"op": "replace", "value": {"active": false}}]))), &[]);
        assert_eq!((off.status, &off.body["active"]), (200, &json!(false)), "{}", off.body);
        assert_eq!(membership_disabled(&server, "dade.murphy@acme.test"), Some(true));
        // Reactivation, and a password push.
        let on = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([{"op": "replace", "value": {"active": true, "password": "an0ther long passphrase"}}]))), &[]);
        assert_eq!((on.status, &on.body["active"]), (200, &json!(true)), "{}", on.body);
        assert!(on.body.get("password").is_none());
        assert_eq!(membership_disabled(&server, "dade.murphy@acme.test"), Some(false));
        let weak = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([{"op": "replace", "value": {"password": "short"}}]))), &[]);
        weak.assert_error(400, Some("invalidValue"));
    }
}

both_backends! {
    fn entra_id_provisions_updates_disables_and_deletes_a_user(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let lookup = dir.get(&filter_path("Test_User_ab6490ee@acme.test"));
        assert_eq!(lookup.body["totalResults"], 0);
        let created = dir.post("/Users", &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee@acme.test",
            "active": true,
            "addresses": [{"primary": false, "type": "work", "formatted": "1 Main St"}],
            "displayName": "Test User",
            "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@acme.test"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Test User", "familyName": "User", "givenName": "Test"},
            "roles": [],
            ENTERPRISE: {"employeeNumber": "1", "department": "Sales"}
        }));
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().expect("id").to_string();
        assert_eq!(Directory::ids(&dir.get(&filter_path("test_user_ab6490ee@acme.test"))), vec![id.clone()]);
        // Entra's update: capitalised ops, a filtered path, an enterprise attribute by URN, the
        // manager as a bare id.
        let update = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@acme.test"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": "2819c223-7f76-453a-919d-413861904646"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0100"},
        ]))), &[]);
        assert_eq!(update.status, 200, "{}", update.body);
        assert_eq!(update.body["emails"][0]["value"], "updatedEmail@acme.test");
        assert_eq!(update.body[ENTERPRISE]["manager"], json!({"value": "2819c223-7f76-453a-919d-413861904646"}));
        assert_eq!(update.body["phoneNumbers"], json!([{"type": "mobile", "value": "+1 425 555 0100"}]));
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "updatedemail@acme.test")).expect("the account follows the email");
        assert_eq!(account.family_name.as_deref(), Some("updatedFamilyName"));
        // Renaming userName.
        let renamed = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([{"op": "Replace", "path": "userName", "value": "renamed@acme.test"}]))), &[]);
        assert_eq!(renamed.body["userName"], "renamed@acme.test");
        // Disable with a string boolean, then delete.
        let off = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([{"op": "Replace", "path": "active", "value": "False"}]))), &[]);
        assert_eq!((off.status, &off.body["active"]), (200, &json!(false)), "{}", off.body);
        assert_eq!(membership_disabled(&server, "updatedemail@acme.test"), Some(true));
        let remove_manager = dir.send("PATCH", &format!("/Users/{id}"), Some(&patch_body(json!([{"op": "Remove", "path": format!("{ENTERPRISE}:manager")}]))), &[]);
        assert!(remove_manager.body[ENTERPRISE].get("manager").is_none(), "{}", remove_manager.body);
        assert_eq!(dir.send("DELETE", &format!("/Users/{id}"), None, &[]).status, 204);
        dir.get(&format!("/Users/{id}")).assert_error(404, None);
        assert_eq!(membership_disabled(&server, "updatedemail@acme.test"), None);
    }
}
