//! `/Groups`: create, read, patch, replace, delete, filters over groups and over the `groups` of
//! Users, the group-to-role mapping, and replays of what Okta and Entra ID send for groups.

use super::{Directory, urlencode};
use crate::both_backends;
use crate::support::TestServer;
use crate::support::cli::Cli;
use serde_json::{Value, json};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user(dir: &Directory, name: &str) -> String {
    let made = dir.create_user(&json!({"userName": format!("{name}@acme.test")}));
    made["id"].as_str().expect("id").to_string()
}

fn patch_body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().expect("value").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn group_names(dir: &Directory, user_id: &str) -> Vec<String> {
    let found = dir.get(&format!("/Users/{user_id}"));
    assert_eq!(found.status, 200, "{}", found.body);
    found.body["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|g| g["display"].as_str().expect("display").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The role each member of `acme` has, by email.
fn roles(server: &TestServer) -> std::collections::HashMap<String, String> {
    server
        .block_on(tessera::organizations::members(&server.state, "acme"))
        .expect("members")
        .into_iter()
        .map(|(m, email)| (email, m.role))
        .collect()
}

both_backends! {
    fn a_group_is_created_read_patched_replaced_and_deleted(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let (ada, bob, cy) = (user(&dir, "ada"), user(&dir, "bob"), user(&dir, "cy"));
        let ada_version = dir.get(&format!("/Users/{ada}")).body["meta"]["version"].clone();

        let created = dir.post("/Groups", &json!({
            "schemas": [GROUP],
            "displayName": "Engineering",
            "externalId": "eng-1",
            "members": [{"value": ada, "display": "whatever the client says"}, {"value": bob, "type": "User"}]
        }));
        assert_eq!(created.status, 201, "{}", created.body);
        let group = created.body.clone();
        let id = group["id"].as_str().expect("id").to_string();
        assert_eq!(created.header("location"), group["meta"]["location"].as_str());
        assert_eq!(created.header("etag"), group["meta"]["version"].as_str());
        assert_eq!(group["schemas"], json!([GROUP]));
        assert_eq!(group["meta"]["resourceType"], "Group");
        assert_eq!(group["externalId"], "eng-1");
        assert_eq!(group["members"][0]["display"], "ada@acme.test", "display is the member's userName");
        assert_eq!(group["members"][0]["type"], "User");
        assert!(group["members"][0]["$ref"].as_str().is_some_and(|r| r.ends_with(&format!("/scim/v2/Users/{ada}"))));
        assert_eq!(member_ids(&group), vec![ada.clone(), bob.clone()]);

        // The members' Users show the group, and their version moved.
        let ada_now = dir.get(&format!("/Users/{ada}")).body;
        assert_eq!(ada_now["groups"], json!([{
            "value": id, "display": "Engineering", "type": "direct",
            "$ref": format!("{}/Groups/{id}", dir.base)
        }]));
        assert_ne!(ada_now["meta"]["version"], ada_version);
        assert!(dir.get(&format!("/Users/{cy}")).body.get("groups").is_none());

        // Names are unique without case; members must be Users of the organization.
        dir.post("/Groups", &json!({"displayName": "ENGINEERING"})).assert_error(409, Some("uniqueness"));
        dir.post("/Groups", &json!({"displayName": "Ghosts", "members": [{"value": "no-such-user"}]}))
            .assert_error(400, Some("invalidValue"));
        dir.post("/Groups", &json!({"displayName": "Nested", "members": [{"value": id, "type": "Group"}]}))
            .assert_error(400, Some("invalidValue"));
        dir.post("/Groups", &json!({"members": []})).assert_error(400, Some("invalidValue"));
        dir.raw("POST", "/Groups", "{\"displayName\": ").assert_error(400, Some("invalidSyntax"));
        assert_eq!(dir.get("/Groups").body["totalResults"], 1, "refused creations wrote nothing");

        // Reads: members can be left out (Entra ID's lookups), entity tags work.
        let lean = dir.get(&format!("/Groups/{id}?excludedAttributes=members"));
        assert_eq!(lean.status, 200);
        assert!(lean.body.get("members").is_none());
        assert_eq!(lean.body["displayName"], "Engineering");
        let tag = lean.header("etag").expect("etag").to_string();
        assert_eq!(dir.send("GET", &format!("/Groups/{id}"), None, &[("If-None-Match", &tag)]).status, 304);

        // PATCH: add a member, remove one by filter, all in one request.
        let patched = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "add", "path": "members", "value": [{"value": cy}]},
            {"op": "remove", "path": format!("members[value eq \"{bob}\"]")}
        ]))), &[]);
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(member_ids(&patched.body), vec![ada.clone(), cy.clone()]);
        assert_eq!(group_names(&dir, &bob), Vec::<String>::new());
        assert_eq!(group_names(&dir, &cy), vec!["Engineering"]);
        // Atomic: the second operation fails, so the first is not kept.
        let failed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "add", "path": "members", "value": [{"value": bob}]},
            {"op": "add", "path": "members", "value": [{"value": "nobody"}]}
        ]))), &[]);
        failed.assert_error(400, Some("invalidValue"));
        let missing = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "remove", "path": format!("members[value eq \"{bob}\"]")}
        ]))), &[]);
        missing.assert_error(400, Some("noTarget"));
        dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "replace", "path": "members.value", "value": bob}
        ]))), &[]).assert_error(400, Some("mutability"));
        assert_eq!(member_ids(&dir.get(&format!("/Groups/{id}")).body), vec![ada.clone(), cy.clone()]);

        // A stale If-Match is 412; the current one is accepted.
        let current = dir.get(&format!("/Groups/{id}"));
        let tag = current.header("etag").expect("etag").to_string();
        dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "replace", "path": "displayName", "value": "Eng"}
        ]))), &[("If-Match", "W/\"1\"")]).assert_error(412, None);
        let renamed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "replace", "path": "displayName", "value": "Platform"}
        ]))), &[("If-Match", &tag)]);
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(group_names(&dir, &ada), vec!["Platform"], "a rename shows on the members");
        let before = dir.get(&format!("/Users/{ada}")).body["meta"]["version"].clone();
        let recased = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "replace", "path": "displayName", "value": "PLATFORM"}
        ]))), &[]);
        assert_eq!(recased.status, 200, "{}", recased.body);
        assert_ne!(dir.get(&format!("/Users/{ada}")).body["meta"]["version"], before, "a change of case is a change");
        assert_eq!(group_names(&dir, &ada), vec!["PLATFORM"]);
        // Excluding a member's sub-attribute keeps the members.
        let partial = dir.get(&format!("/Groups/{id}?excludedAttributes=members.display"));
        assert_eq!(partial.body["members"].as_array().map(Vec::len), Some(2), "{}", partial.body);
        assert!(partial.body["members"][0].get("display").is_none());
        // Renaming a member User changes what the group shows, and its version.
        let before = dir.get(&format!("/Groups/{id}")).body["meta"]["version"].clone();
        let user_renamed = dir.send("PATCH", &format!("/Users/{cy}"), Some(&patch_body(json!([
            {"op": "replace", "path": "userName", "value": "cyrus@acme.test"}
        ]))), &[]);
        assert_eq!(user_renamed.status, 200, "{}", user_renamed.body);
        let after = dir.get(&format!("/Groups/{id}")).body;
        assert_ne!(after["meta"]["version"], before);
        assert_eq!(after["members"][1]["display"], "cyrus@acme.test");

        // PUT replaces everything, members included.
        let put = dir.send("PUT", &format!("/Groups/{id}"), Some(&json!({
            "schemas": [GROUP], "id": id, "displayName": "Platform", "members": [{"value": bob}]
        })), &[]);
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(member_ids(&put.body), vec![bob.clone()]);
        assert!(put.body.get("externalId").is_none(), "PUT without externalId clears it");
        assert_eq!(group_names(&dir, &ada), Vec::<String>::new());

        // Deleting a member User takes it out of the group and moves the group's version.
        let before = dir.get(&format!("/Groups/{id}")).body["meta"]["version"].clone();
        assert_eq!(dir.send("DELETE", &format!("/Users/{bob}"), None, &[]).status, 204);
        let after = dir.get(&format!("/Groups/{id}")).body;
        assert!(after.get("members").is_none(), "{after}");
        assert_ne!(after["meta"]["version"], before);

        // Delete.
        dir.send("DELETE", &format!("/Groups/{id}"), None, &[("If-Match", "W/\"1\"")]).assert_error(412, None);
        assert_eq!(dir.send("DELETE", &format!("/Groups/{id}"), None, &[]).status, 204);
        dir.get(&format!("/Groups/{id}")).assert_error(404, None);
        dir.send("DELETE", &format!("/Groups/{id}"), None, &[]).assert_error(404, None);
        assert_eq!(dir.send("PUT", "/Groups", Some(&json!({})), &[]).status, 405);

        let cli = Cli::on(server.db.clone());
        let audit = cli.run(&["audit", "list", "--action", "scimGroup.", "--json"], None).json();
        let actions: Vec<&str> = audit.as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"scimGroup.created") && actions.contains(&"scimGroup.updated") && actions.contains(&"scimGroup.deleted"), "{actions:?}");
    }
}

both_backends! {
    fn groups_and_the_groups_of_users_are_filtered_sorted_and_paged(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let (ada, bob) = (user(&dir, "ada"), user(&dir, "bob"));
        let mut ids = std::collections::HashMap::new();
        for (name, external, members) in [
            ("Engineering", "e-1", vec![ada.clone(), bob.clone()]),
            ("Engineering Managers", "e-2", vec![ada.clone()]),
            ("Sales", "s-1", vec![bob.clone()]),
            ("Support", "s-2", vec![]),
        ] {
            let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
            let made = dir.post("/Groups", &json!({"displayName": name, "externalId": external, "members": members}));
            assert_eq!(made.status, 201, "{}", made.body);
            ids.insert(name, made.body["id"].as_str().expect("id").to_string());
        }
        let names = |path: &str| -> Vec<String> {
            let found = dir.get(path);
            assert_eq!(found.status, 200, "{path}: {}", found.body);
            found.body["Resources"].as_array().expect("Resources").iter()
                .map(|g| g["displayName"].as_str().expect("displayName").to_string()).collect()
        };
        let q = |filter: &str| format!("/Groups?sortBy=displayName&filter={}", urlencode(filter));
        assert_eq!(names(&q("displayName eq \"engineering\"")), vec!["Engineering"]);
        assert_eq!(names(&q("displayName sw \"Eng\"")), vec!["Engineering", "Engineering Managers"]);
        assert_eq!(names(&q("displayName co \"port\"")), vec!["Support"]);
        assert_eq!(names(&q("externalId eq \"s-1\"")), vec!["Sales"]);
        assert_eq!(names(&q(&format!("members[value eq \"{ada}\"]"))), vec!["Engineering", "Engineering Managers"]);
        assert_eq!(names(&q(&format!("members.value eq \"{bob}\""))), vec!["Engineering", "Sales"]);
        assert_eq!(names(&q(&format!("members eq \"{bob}\" and displayName sw \"S\""))), vec!["Sales"]);
        assert_eq!(names(&q("members.display eq \"BOB@acme.test\"")), vec!["Engineering", "Sales"]);
        assert_eq!(names(&q("members[type eq \"User\" and display sw \"ada\"]")), vec!["Engineering", "Engineering Managers"]);
        assert_eq!(names(&q("not (members pr)")), vec!["Support"]);
        assert_eq!(names(&q("meta.created ge \"2000-01-01T00:00:00Z\" and not (displayName ew \"s\")")), vec!["Engineering", "Support"]);
        // Entra ID's membership check: is this User in this group?
        let check = format!("/Groups?filter={}&excludedAttributes=members",
            urlencode(&format!("id eq \"{}\" and members[value eq \"{ada}\"]", ids["Engineering"])));
        let answer = dir.get(&check);
        assert_eq!(answer.body["totalResults"], 1, "{}", answer.body);
        assert!(answer.body["Resources"][0].get("members").is_none());
        // Sorting and paging.
        assert_eq!(names("/Groups?sortBy=displayName&sortOrder=descending&startIndex=2&count=2"), vec!["Sales", "Engineering Managers"]);
        let page = dir.get("/Groups?count=1&startIndex=4&sortBy=externalId");
        assert_eq!((page.body["totalResults"].clone(), page.body["itemsPerPage"].clone()), (json!(4), json!(1)));
        assert_eq!(page.body["Resources"][0]["displayName"], "Support");
        // Search by POST.
        let searched = dir.post("/Groups/.search", &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "displayName sw \"S\"", "sortBy": "displayName", "attributes": ["displayName"]
        }));
        assert_eq!(searched.status, 200, "{}", searched.body);
        assert_eq!(searched.body["Resources"], json!([
            {"schemas": [GROUP], "id": ids["Sales"], "displayName": "Sales"},
            {"schemas": [GROUP], "id": ids["Support"], "displayName": "Support"}
        ]));
        // Users by their groups.
        let users = |filter: &str| -> Vec<String> {
            let found = dir.get(&format!("/Users?sortBy=userName&filter={}", urlencode(filter)));
            assert_eq!(found.status, 200, "{filter}: {}", found.body);
            found.body["Resources"].as_array().expect("Resources").iter()
                .map(|u| u["userName"].as_str().expect("userName").to_string()).collect()
        };
        assert_eq!(users(&format!("groups eq \"{}\"", ids["Sales"])), vec!["bob@acme.test"]);
        assert_eq!(users("groups.display eq \"engineering managers\""), vec!["ada@acme.test"]);
        assert_eq!(users("groups[display sw \"Eng\"] and not (groups.display eq \"Sales\")"), vec!["ada@acme.test"]);
        // Bad filters.
        for bad in ["members.$ref pr", "owner eq \"x\"", "displayName gt 3", "members[value eq \"x\"", "groups.$ref pr"] {
            let path = if bad.starts_with("groups") { "/Users" } else { "/Groups" };
            dir.get(&format!("{path}?filter={}", urlencode(bad))).assert_error(400, Some("invalidFilter"));
        }
        dir.get("/Groups?sortBy=owner").assert_error(400, Some("invalidValue"));
        // Another organization sees none of it and cannot use these Users.
        let other = Directory::connect(&server, "globex");
        assert_eq!(other.get("/Groups").body["totalResults"], 0);
        other.get(&format!("/Groups/{}", ids["Sales"])).assert_error(404, None);
        other.send("PATCH", &format!("/Groups/{}", ids["Sales"]), Some(&patch_body(json!([{"op": "remove", "path": "members"}]))), &[]).assert_error(404, None);
        other.post("/Groups", &json!({"displayName": "Sales", "members": [{"value": ada}]})).assert_error(400, Some("invalidValue"));
        assert_eq!(other.post("/Groups", &json!({"displayName": "Sales"})).status, 201, "names are unique per organization");
    }
}

both_backends! {
    fn directory_groups_decide_roles_through_the_mapping(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let cli = Cli::on(server.db.clone());
        assert_eq!(cli.run(&["role", "create", "--org", "acme", "--key", "engineer", "--name", "Engineer", "--permission", "org:deploy:write"], None).code, 0);
        // A member added by hand keeps their role whatever the mapping says.
        server.create_user("hand@acme.test", "a long and unusual passphrase 1");
        assert_eq!(cli.run(&["member", "add", "--org", "acme", "hand@acme.test"], None).code, 0);
        let (ada, bob) = (user(&dir, "ada"), user(&dir, "bob"));
        // The directory also provisions the member added by hand (linked, not created).
        let hand = user(&dir, "hand");
        let admins = dir.post("/Groups", &json!({"displayName": "Admins", "members": [{"value": ada}]})).body["id"].as_str().expect("id").to_string();
        let engineers = dir.post("/Groups", &json!({"displayName": "Engineers", "members": [{"value": ada}, {"value": bob}, {"value": hand}]})).body["id"].as_str().expect("id").to_string();
        assert_eq!(roles(&server)["ada@acme.test"], "member", "no mapping yet: roles are left alone");

        // Mappings by name (case-insensitive), applied at once to the Users already there.
        let set = cli.run(&["scim", "group-role", "set", "--org", "acme", "--group", "engineers", "--role", "engineer", "--priority", "200", "--json"], None);
        assert_eq!(set.code, 0, "{}", set.stderr);
        assert_eq!(cli.run(&["scim", "group-role", "set", "--org", "acme", "--group", "Admins", "--role", "admin", "--priority", "10"], None).code, 0);
        let r = roles(&server);
        assert_eq!((r["ada@acme.test"].as_str(), r["bob@acme.test"].as_str(), r["hand@acme.test"].as_str()), ("admin", "engineer", "member"));
        let listed = cli.run(&["scim", "group-role", "list", "--org", "acme", "--json"], None).json();
        assert_eq!(listed.as_array().map(|l| l.iter().map(|m| m["group"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>()), Some(vec!["Admins".to_string(), "engineers".to_string()]));
        assert_ne!(cli.run(&["scim", "group-role", "set", "--org", "acme", "--group", "X", "--role", "nope"], None).code, 0);
        assert_ne!(cli.run(&["scim", "group-role", "set", "--org", "acme", "--group", "", "--role", "admin"], None).code, 0);

        // Group changes move roles: leaving Admins falls back to the next mapped group, then to
        // the default role.
        let leave = dir.send("PATCH", &format!("/Groups/{admins}"), Some(&patch_body(json!([
            {"op": "Remove", "path": "members", "value": [{"value": ada}]}
        ]))), &[]);
        assert_eq!(leave.status, 200, "{}", leave.body);
        assert_eq!(roles(&server)["ada@acme.test"], "engineer");
        assert_eq!(dir.send("DELETE", &format!("/Groups/{engineers}"), None, &[]).status, 204);
        let r = roles(&server);
        assert_eq!((r["ada@acme.test"].as_str(), r["bob@acme.test"].as_str()), ("member", "member"));
        // Renaming a group into a mapped name promotes its members.
        let renamed = dir.send("PATCH", &format!("/Groups/{admins}"), Some(&patch_body(json!([
            {"op": "add", "path": "members", "value": [{"value": bob}]},
            {"op": "replace", "path": "displayName", "value": "Engineers"}
        ]))), &[]);
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(roles(&server)["bob@acme.test"], "engineer");
        // Each change fired the webhook event and was audited.
        let audit = cli.run(&["audit", "list", "--action", "organizationMembership.updated", "--json"], None).json();
        assert!(audit.as_array().is_some_and(|a| a.len() >= 5), "{audit}");
        // Removing a mapping re-syncs with the ones left; removing the last leaves roles as they
        // are.
        assert_eq!(cli.run(&["scim", "group-role", "remove", "--org", "acme", "--group", "admins"], None).code, 0);
        assert_eq!(roles(&server)["bob@acme.test"], "engineer");
        assert_eq!(cli.run(&["scim", "group-role", "remove", "--org", "acme", "--group", "ENGINEERS"], None).code, 0);
        assert_eq!(roles(&server)["bob@acme.test"], "engineer");
        let left = dir.send("PATCH", &format!("/Groups/{admins}"), Some(&patch_body(json!([{"op": "remove", "path": "members"}]))), &[]);
        assert_eq!(left.status, 200, "{}", left.body);
        assert_eq!(roles(&server)["bob@acme.test"], "engineer", "without mappings, groups no longer move roles");

        // The admin API sets, lists and removes mappings the same way.
        let (_, key) = server
            .block_on(tessera::admin_api::keys::create(&server.state, "ops", &["organizations:write".to_string(), "organizations:read".to_string()], None))
            .expect("key");
        let api = reqwest::blocking::Client::new();
        let url = format!("{}/admin/v1/organizations/acme/scim-group-roles", server.base_url);
        let set = api.post(&url).bearer_auth(&key).json(&json!({"group": "Admins", "role": "admin", "priority": 5})).send().expect("set");
        assert_eq!(set.status().as_u16(), 200);
        assert_eq!(roles(&server)["bob@acme.test"], "member", "bob's groups hold no mapped name: default role");
        let bad = api.post(&url).bearer_auth(&key).json(&json!({"group": "Admins", "role": "no-such-role"})).send().expect("bad");
        assert_eq!(bad.status().as_u16(), 422);
        let listed: Value = api.get(&url).bearer_auth(&key).send().expect("list").json().expect("json");
        assert_eq!(listed["data"], json!([{"group": "Admins", "role": "admin", "priority": 5, "created_at": listed["data"][0]["created_at"]}]));
        let removed = api.post(format!("{url}/remove")).bearer_auth(&key).json(&json!({"group": "admins"})).send().expect("remove");
        assert_eq!(removed.status().as_u16(), 204);
        let again = api.post(format!("{url}/remove")).bearer_auth(&key).json(&json!({"group": "admins"})).send().expect("remove");
        assert_eq!(again.status().as_u16(), 404);
        assert_ne!(cli.run(&["scim", "group-role", "remove", "--org", "acme", "--group", "Engineers"], None).code, 0);
    }
}

both_backends! {
    fn okta_pushes_a_group_renames_it_changes_members_and_deletes_it(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let (ada, bob) = (user(&dir, "ada"), user(&dir, "bob"));
        // Okta looks the group up by name, then creates it with its members.
        let lookup = dir.get(&format!("/Groups?filter={}&startIndex=1&count=100", urlencode("displayName eq \"Test SCIMv2\"")));
        assert_eq!(lookup.body["totalResults"], 0);
        let created = dir.post("/Groups", &json!({
            "schemas": [GROUP], "displayName": "Test SCIMv2",
            "members": [{"value": ada, "display": "ada@acme.test"}]
        }));
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().expect("id").to_string();
        // Rename: a replace without a path whose value repeats the id.
        let renamed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "replace", "value": {"id": id, "displayName": "Test SCIMv2 (renamed)"}}
        ]))), &[]);
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(renamed.body["displayName"], "Test SCIMv2 (renamed)");
        // Member changes: remove by filter, add with a display.
        let changed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "remove", "path": format!("members[value eq \"{ada}\"]")},
            {"op": "add", "path": "members", "value": [{"value": bob, "display": "bob@acme.test"}]}
        ]))), &[]);
        assert_eq!(member_ids(&changed.body), vec![bob.clone()]);
        // Okta's full push replaces the member list.
        let pushed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "replace", "path": "members", "value": [{"value": ada}, {"value": bob}]}
        ]))), &[]);
        let mut pushed_ids = member_ids(&pushed.body);
        pushed_ids.sort();
        let mut wanted = vec![ada.clone(), bob.clone()];
        wanted.sort();
        assert_eq!(pushed_ids, wanted);
        assert_eq!(dir.send("DELETE", &format!("/Groups/{id}"), None, &[]).status, 204);
        assert_eq!(group_names(&dir, &bob), Vec::<String>::new());
    }
}

both_backends! {
    fn entra_id_provisions_a_group_and_its_members(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let (ada, bob) = (user(&dir, "ada"), user(&dir, "bob"));
        let lookup = dir.get(&format!("/Groups?excludedAttributes=members&filter={}", urlencode("displayName eq \"Group_8f4c8b0f\"")));
        assert_eq!(lookup.body["totalResults"], 0);
        let created = dir.post("/Groups", &json!({
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Group_8f4c8b0f",
            "meta": {"resourceType": "Group"},
            "schemas": [GROUP]
        }));
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().expect("id").to_string();
        assert_eq!(Directory::ids(&dir.get(&format!("/Groups?excludedAttributes=members&filter={}", urlencode("externalId eq \"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159\"")))), vec![id.clone()]);
        // Members arrive in Add operations with capitalised names and value lists.
        let added = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "Add", "path": "members", "value": [{"value": ada}, {"value": bob}]}
        ]))), &[]);
        assert_eq!(added.status, 200, "{}", added.body);
        // Removal names the values to remove.
        let removed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "Remove", "path": "members", "value": [{"value": ada}]}
        ]))), &[]);
        assert_eq!(member_ids(&removed.body), vec![bob.clone()]);
        // A rename by path, then the group goes.
        let renamed = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([
            {"op": "Replace", "path": "displayName", "value": "Group_renamed"}
        ]))), &[]);
        assert_eq!(renamed.body["displayName"], "Group_renamed");
        // An empty list of operations changes nothing.
        let version = renamed.body["meta"]["version"].clone();
        let empty = dir.send("PATCH", &format!("/Groups/{id}"), Some(&patch_body(json!([]))), &[]);
        assert_eq!((empty.status, &empty.body["meta"]["version"]), (200, &version));
        assert_eq!(dir.send("DELETE", &format!("/Groups/{id}"), None, &[]).status, 204);
    }
}
