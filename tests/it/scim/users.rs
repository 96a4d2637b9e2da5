//! `/Users`: create, read, replace, delete, entity tags, projections, and what a User means
//! inside Tessera (account, membership, deactivation, deletion), with every error in the RFC's
//! shape.

use super::Directory;
use crate::both_backends;
use crate::support::TestServer;
use crate::support::cli::Cli;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// What Okta sends to create a user.
fn okta_user(user_name: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": format!("00u{}", user_name.len()),
        "groups": [],
        "password": "a long and unusual passphrase 42",
        "active": true
    })
}

fn members(server: &TestServer) -> Vec<(String, bool, String)> {
    server
        .block_on(tessera::organizations::members(&server.state, "acme"))
        .expect("members")
        .into_iter()
        .map(|(m, email)| (email, m.disabled, m.user_id))
        .collect()
}

both_backends! {
    fn a_user_is_created_read_replaced_deactivated_and_deleted(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");

        let created = dir.post("/Users", &okta_user("ada@acme.test", "Ada", "Lovelace"));
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.header("content-type"), Some("application/scim+json"));
        let user = created.body.clone();
        let id = user["id"].as_str().expect("id").to_string();
        assert_eq!(created.header("location"), user["meta"]["location"].as_str());
        assert!(user["meta"]["location"].as_str().is_some_and(|l| l.ends_with(&format!("/scim/v2/Users/{id}"))));
        assert_eq!(created.header("etag"), user["meta"]["version"].as_str());
        assert_eq!(user["meta"]["resourceType"], "User");
        assert_eq!(user["schemas"], json!([USER]));
        assert!(user.get("password").is_none(), "password is never returned");
        assert_eq!(user["name"]["givenName"], "Ada");
        assert_eq!(user["active"], true);

        // A Tessera account and a membership came with it; the directory's names are on it.
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "ada@acme.test")).expect("account");
        assert_eq!(account.given_name.as_deref(), Some("Ada"));
        assert_eq!(account.name.as_deref(), Some("Ada Lovelace"));
        assert!(account.has_password, "the directory's password was set");
        assert!(!account.email_verified, "acme has not verified acme.test");
        assert_eq!(members(&server), vec![("ada@acme.test".to_string(), false, account.id.clone())]);

        // Read, with entity tags and projections.
        let read = dir.get(&format!("/Users/{id}"));
        assert_eq!(read.status, 200);
        assert_eq!(read.body, user);
        let etag = read.header("etag").expect("etag").to_string();
        let unchanged = dir.send("GET", &format!("/Users/{id}"), None, &[("if-none-match", &etag)]);
        assert_eq!(unchanged.status, 304);
        assert_eq!(dir.send("GET", &format!("/Users/{id}"), None, &[("if-none-match", "W/\"999\"")]).status, 200);
        let projected = dir.get(&format!("/Users/{id}?attributes=userName,name.familyName"));
        assert_eq!(projected.body, json!({"schemas": [USER], "id": id, "userName": "ada@acme.test", "name": {"familyName": "Lovelace"}}));
        let excluded = dir.get(&format!("/Users/{id}?excludedAttributes=emails,meta,id"));
        assert!(excluded.body.get("emails").is_none() && excluded.body.get("meta").is_none());
        assert_eq!(excluded.body["id"], id.as_str(), "id is always returned");

        // Replace: a stale If-Match is 412 and changes nothing; the current one works and moves
        // the version on.
        let mut replacement = okta_user("ada@acme.test", "Augusta Ada", "King");
        replacement[ENTERPRISE] = json!({"department": "Analytical Engines", "manager": {"value": "babbage"}});
        replacement.as_object_mut().expect("object").remove("password");
        let stale = dir.send("PUT", &format!("/Users/{id}"), Some(&replacement), &[("if-match", "W/\"0\"")]);
        stale.assert_error(412, None);
        assert_eq!(dir.get(&format!("/Users/{id}")).body, user);
        let replaced = dir.send("PUT", &format!("/Users/{id}"), Some(&replacement), &[("if-match", &etag)]);
        assert_eq!(replaced.status, 200, "{}", replaced.body);
        assert_ne!(replaced.header("etag"), Some(etag.as_str()));
        assert_eq!(replaced.body["schemas"], json!([USER, ENTERPRISE]));
        assert_eq!(replaced.body[ENTERPRISE]["department"], "Analytical Engines");
        assert_eq!(replaced.body["meta"]["created"], user["meta"]["created"]);
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "ada@acme.test")).expect("account");
        assert_eq!(account.family_name.as_deref(), Some("King"));
        assert!(account.has_password, "a PUT without a password keeps it");

        // Deactivate: the membership stays but is disabled, and comes back with active true.
        let mut inactive = replacement.clone();
        inactive["active"] = json!("False");
        let put = dir.send("PUT", &format!("/Users/{id}"), Some(&inactive), &[]);
        assert_eq!(put.status, 200, "{}", put.body);
        assert_eq!(put.body["active"], false);
        assert!(members(&server)[0].1, "deactivated");
        inactive["active"] = json!(true);
        assert_eq!(dir.send("PUT", &format!("/Users/{id}"), Some(&inactive), &[]).status, 200);
        assert!(!members(&server)[0].1, "reactivated");

        // Delete: 412 with a stale tag, then 204; the directory created the account and its
        // owner never claimed it, so it goes too.
        dir.send("DELETE", &format!("/Users/{id}"), None, &[("if-match", "W/\"1\"")]).assert_error(412, None);
        assert_eq!(dir.send("DELETE", &format!("/Users/{id}"), None, &[]).status, 204);
        dir.get(&format!("/Users/{id}")).assert_error(404, None);
        dir.send("DELETE", &format!("/Users/{id}"), None, &[]).assert_error(404, None);
        assert!(members(&server).is_empty());
        assert!(server.block_on(tessera::accounts::admin::find(&server.state, "ada@acme.test")).is_err());

        // The same without a password.
        let mut bare = okta_user("grace@acme.test", "Grace", "Hopper");
        bare.as_object_mut().expect("object").remove("password");
        let grace = dir.create_user(&bare);
        assert_eq!(dir.send("DELETE", &format!("/Users/{}", grace["id"].as_str().expect("id")), None, &[]).status, 204);
        assert!(server.block_on(tessera::accounts::admin::find(&server.state, "grace@acme.test")).is_err());

        let audit = Cli::on(server.db.clone()).run(&["audit", "list", "--action", "scimUser.", "--json"], None).json();
        let actions: Vec<&str> = audit.as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"scimUser.created") && actions.contains(&"scimUser.updated") && actions.contains(&"scimUser.deleted"), "{actions:?}");
    }
}

both_backends! {
    fn bad_users_get_spec_shaped_errors_and_change_nothing(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        dir.create_user(&okta_user("ada@acme.test", "Ada", "Lovelace"));

        // userName is unique in the organization, whatever its case.
        dir.post("/Users", &okta_user("ADA@acme.test", "Other", "Person")).assert_error(409, Some("uniqueness"));
        // Malformed JSON, not an object, missing or mistyped attributes.
        dir.raw("POST", "/Users", "{\"userName\": ").assert_error(400, Some("invalidSyntax"));
        dir.raw("POST", "/Users", "").assert_error(400, Some("invalidSyntax"));
        dir.post("/Users", &json!(["userName"])).assert_error(400, Some("invalidSyntax"));
        for body in [
            json!({"schemas": [USER]}),
            json!({"userName": "  "}),
            json!({"userName": 42}),
            json!({"userName": "x@acme.test", "active": "perhaps"}),
            json!({"userName": "x@acme.test", "name": "X"}),
            json!({"userName": "x@acme.test", "emails": [{"value": "x@acme.test", "primary": true}, {"value": "y@acme.test", "primary": true}]}),
            json!({"userName": "no-address"}),
            json!({"userName": "x@acme.test", "password": "short"}),
            json!({"userName": "x\u{0}@acme.test"}),
            json!({"userName": "x@acme.test", "x509Certificates": [{"value": "not base64!"}]}),
        ] {
            dir.post("/Users", &body).assert_error(400, Some("invalidValue"));
        }
        // A body over the advertised limit is 413.
        let huge = json!({"userName": "big@acme.test", "title": "x".repeat(1024 * 1024)});
        dir.post("/Users", &huge).assert_error(413, None);
        // Read-only attributes are ignored, not stored.
        let made = dir.create_user(&json!({"userName": "b@acme.test", "id": "mine", "meta": {"version": "W/\"9\""}, "groups": [{"value": "g"}]}));
        assert_ne!(made["id"], "mine");
        assert_eq!(made["meta"]["version"], "W/\"1\"");
        assert!(made.get("groups").is_none());
        // Renaming onto another user's userName is 409 and leaves both alone.
        let b = made["id"].as_str().expect("id");
        dir.send("PUT", &format!("/Users/{b}"), Some(&json!({"userName": "Ada@Acme.test"})), &[]).assert_error(409, Some("uniqueness"));
        assert_eq!(dir.get(&format!("/Users/{b}")).body, made);
        dir.send("PUT", "/Users/unknown", Some(&json!({"userName": "z@acme.test"})), &[]).assert_error(404, None);
        dir.send("POST", &format!("/Users/{b}"), Some(&json!({})), &[]).assert_error(405, None);
        dir.send("DELETE", "/Users", None, &[]).assert_error(405, None);
        let list = dir.get("/Users");
        assert_eq!(list.body["totalResults"], 2, "{}", list.body);

        // Another organization's directory sees none of it, and cannot take the address.
        let other = Directory::connect(&server, "globex");
        assert_eq!(other.get("/Users").body["totalResults"], 0);
        other.get(&format!("/Users/{b}")).assert_error(404, None);
        other.post("/Users", &okta_user("ada@acme.test", "Ada", "L")).assert_error(409, Some("uniqueness"));
    }
}

both_backends! {
    fn existing_accounts_are_linked_only_when_the_organization_vouches_for_them(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let cli = Cli::on(server.db.clone());
        let person = server.create_user("lin@acme.test", "correct horse battery staple");

        // Not a member and acme.test not verified: the account is not pulled in.
        let mut body = okta_user("lin@acme.test", "Lin", "Chen");
        body.as_object_mut().expect("object").remove("password");
        dir.post("/Users", &body).assert_error(409, Some("uniqueness"));
        // A member already: linked, not duplicated, and the directory leaves the profile alone
        // (it does not own this account).
        assert_eq!(cli.run(&["member", "add", "--org", "acme", "lin@acme.test"], None).code, 0);
        let linked = dir.create_user(&body);
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "lin@acme.test")).expect("account");
        assert_eq!(account.id, person.id);
        assert_eq!(account.given_name, None);
        assert_eq!(members(&server).len(), 1);
        // Nor may it set that account's password.
        let mut with_password = body.clone();
        with_password["password"] = json!("another long passphrase 77");
        let id = linked["id"].as_str().expect("id");
        dir.send("PUT", &format!("/Users/{id}"), Some(&with_password), &[]).assert_error(400, Some("invalidValue"));
        // Deleting the User removes the membership, not the account it did not create.
        assert_eq!(dir.send("DELETE", &format!("/Users/{id}"), None, &[]).status, 204);
        assert!(members(&server).is_empty());
        assert!(server.block_on(tessera::accounts::admin::find(&server.state, "lin@acme.test")).is_ok());
    }
}

both_backends! {
    fn names_the_directory_owns_are_read_only_on_the_account_page(backend) {
        use crate::support::mail::{link_path, wait_for_mail};
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        // The directory creates the account (with a password it pushes, as Okta's Sync Password
        // does): it owns the account until its owner proves the address.
        let mut body = okta_user("ada@acme.test", "Ada", "Lovelace");
        body["password"] = json!("a long and unusual passphrase 42");
        let id = dir.create_user(&body)["id"].as_str().expect("id").to_string();
        let browser = server.browser();
        browser.sign_in("ada@acme.test", "a long and unusual passphrase 42");
        let page = browser.get("/account");
        page.assert_contains("Ask its administrators to change them.").assert_contains("readonly aria-describedby=\"managed-note\"");
        // The server refuses the change whatever the form says; other fields still save.
        let refused = browser.post("/account/profile", &[
            ("csrf_token", &page.csrf_token()), ("name", "Ada Lovelace"), ("given_name", "Augusta"),
            ("family_name", "Lovelace"), ("username", ""), ("picture", ""), ("locale", ""),
        ]);
        assert_eq!(refused.status, 400);
        refused.assert_contains("ask its administrators to change it");
        let kept = browser.post("/account/profile", &[
            ("csrf_token", &page.csrf_token()), ("name", "Ada Lovelace"), ("given_name", "Ada"),
            ("family_name", "Lovelace"), ("username", "ada"), ("picture", ""), ("locale", "en"),
        ]);
        assert_eq!(kept.location(), "/account?notice=profile-saved");
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "ada@acme.test")).expect("account");
        assert_eq!((account.given_name.as_deref(), account.username.as_deref()), (Some("Ada"), Some("ada")));
        // Once the owner proves the address, the account is theirs: names are editable, and the
        // directory no longer rewrites them.
        let page = browser.get("/account");
        browser.post("/account/verify-email", &[("csrf_token", &page.csrf_token())]);
        let mail = &wait_for_mail(&server.mailbox(), "ada@acme.test", 1)[0];
        let confirm = browser.get(&link_path(mail, "/verify-email?token="));
        browser.post("/verify-email", &[("csrf_token", &confirm.csrf_token()), ("token", &confirm.input_value("token").expect("token"))]);
        let page = browser.get("/account");
        assert!(!page.body.contains("managed-note"), "{}", page.body);
        let saved = browser.post("/account/profile", &[
            ("csrf_token", &page.csrf_token()), ("name", "Ada Lovelace"), ("given_name", "Augusta"),
            ("family_name", "Lovelace"), ("username", "ada"), ("picture", ""), ("locale", "en"),
        ]);
        assert_eq!(saved.location(), "/account?notice=profile-saved");
        let mut push = okta_user("ada@acme.test", "Directory", "Name");
        push.as_object_mut().expect("object").remove("password");
        let put = dir.send("PUT", &format!("/Users/{id}"), Some(&push), &[]);
        assert_eq!(put.status, 200, "{}", put.body);
        let account = server.block_on(tessera::accounts::admin::find(&server.state, "ada@acme.test")).expect("account");
        assert_eq!(account.given_name.as_deref(), Some("Augusta"));
    }
}

both_backends! {
    fn memberships_changed_outside_scim_and_deactivated_admins(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let cli = Cli::on(server.db.clone());
        let ada = dir.create_user(&okta_user("ada@acme.test", "Ada", "Lovelace"));
        let ada_id = ada["id"].as_str().expect("id").to_string();
        server.create_user("boss@acme.test", "a long and unusual passphrase 7");
        assert_eq!(cli.run(&["member", "add", "--org", "acme", "boss@acme.test", "--role", "admin"], None).code, 0);
        assert_eq!(cli.run(&["member", "set-role", "--org", "acme", "ada@acme.test", "--role", "admin"], None).code, 0);

        // A deactivated admin manages nothing: the last active admin keeps the role.
        let off = dir.send("PATCH", &format!("/Users/{ada_id}"), Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": false}}]
        })), &[]);
        assert_eq!(off.status, 200, "{}", off.body);
        assert_ne!(cli.run(&["member", "set-role", "--org", "acme", "boss@acme.test", "--role", "member"], None).code, 0);
        assert_ne!(cli.run(&["member", "remove", "--org", "acme", "boss@acme.test"], None).code, 0);
        // The deactivated admin can be demoted: the active one remains.
        assert_eq!(cli.run(&["member", "set-role", "--org", "acme", "ada@acme.test", "--role", "member"], None).code, 0);

        // A PUT without `active` keeps the User deactivated.
        let mut body = okta_user("ada@acme.test", "Ada", "Byron");
        body.as_object_mut().expect("object").remove("active");
        body.as_object_mut().expect("object").remove("password");
        let put = dir.send("PUT", &format!("/Users/{ada_id}"), Some(&body), &[]);
        assert_eq!((put.status, &put.body["active"]), (200, &json!(false)), "{}", put.body);
        assert_eq!(members(&server).iter().find(|m| m.0 == "ada@acme.test").map(|m| m.1), Some(true));

        // Times with a fraction of a second compare as such.
        let created = put.body["meta"]["created"].as_str().expect("created").trim_end_matches('Z').to_string();
        let count = |filter: String| dir.get(&format!("/Users?filter={}", crate::scim::urlencode(&filter))).body["totalResults"].clone();
        assert_eq!(count(format!("meta.created ge \"{created}.5Z\"")), json!(0));
        assert_eq!(count(format!("meta.created eq \"{created}.5Z\"")), json!(0));
        assert_eq!(count(format!("meta.created lt \"{created}.5Z\"")), json!(1));
        assert_eq!(count(format!("meta.created le \"{created}.5Z\"")), json!(1));
        assert_eq!(count(format!("meta.created ge \"{created}Z\"")), json!(1));

        // Removing the member outside SCIM removes the User too. The account stays, outside the
        // organization now (acme.test is not verified), so the directory cannot pull it back in
        // by itself; once the person is a member again, it links.
        assert_eq!(cli.run(&["member", "remove", "--org", "acme", "ada@acme.test"], None).code, 0);
        dir.get(&format!("/Users/{ada_id}")).assert_error(404, None);
        dir.post("/Users", &okta_user("ada@acme.test", "Ada", "Lovelace")).assert_error(409, Some("uniqueness"));
        assert_eq!(cli.run(&["member", "add", "--org", "acme", "ada@acme.test"], None).code, 0);
        let mut linked = okta_user("ada@acme.test", "Ada", "Lovelace");
        linked.as_object_mut().expect("object").remove("password");
        let again = dir.post("/Users", &linked);
        assert_eq!(again.status, 201, "{}", again.body);
    }
}
