//! `/Bulk`: operations with `bulkId` references (forward ones too), `failOnErrors`, the
//! advertised limits (413 beyond), per-operation errors; and `tooMany` on a filter over more
//! Users than one answer holds, with the Users made by Bulk.

use super::{Directory, urlencode};
use crate::both_backends;
use crate::support::TestServer;
use serde_json::{Value, json};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk(dir: &Directory, operations: Value, fail_on_errors: Option<u64>) -> Vec<Value> {
    let mut body = json!({"schemas": [BULK], "Operations": operations});
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    let answer = dir.post("/Bulk", &body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    answer.body["Operations"]
        .as_array()
        .expect("Operations")
        .clone()
}

fn statuses(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect()
}

both_backends! {
    fn bulk_runs_operations_with_references_between_them(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        // The group comes first but references Users created after it: it waits for them.
        let results = bulk(&dir, json!([
            {"method": "POST", "path": "/Groups", "bulkId": "team", "data": {
                "displayName": "Team", "members": [{"value": "bulkId:ada"}, {"value": "bulkId:bob"}]
            }},
            {"method": "POST", "path": "/Users", "bulkId": "ada", "data": {"userName": "ada@acme.test"}},
            {"method": "POST", "path": "/Users", "bulkId": "bob", "data": {"userName": "bob@acme.test",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:ada"}}}},
            {"method": "PATCH", "path": "/Users/bulkId:ada", "data": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": "Ada L."}]
            }}
        ]), None);
        assert_eq!(statuses(&results), vec!["201", "201", "201", "200"], "listed in request order: {results:?}");
        let by_id = |b: &str| results.iter().find(|r| r["bulkId"] == b).expect("result").clone();
        let ada_location = by_id("ada")["location"].as_str().expect("location").to_string();
        let ada = ada_location.rsplit('/').next().expect("id").to_string();
        let bob = by_id("bob")["location"].as_str().expect("location").rsplit('/').next().expect("id").to_string();
        assert!(by_id("ada")["version"].as_str().is_some_and(|v| v.starts_with("W/")));
        let team = dir.get(by_id("team")["location"].as_str().expect("location").trim_start_matches(&dir.base));
        let members: Vec<&str> = team.body["members"].as_array().expect("members").iter().filter_map(|m| m["value"].as_str()).collect();
        assert_eq!(members, vec![ada.as_str(), bob.as_str()]);
        let bob_user = dir.get(&format!("/Users/{bob}")).body;
        assert_eq!(bob_user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"], ada.as_str());
        assert_eq!(dir.get(&format!("/Users/{ada}")).body["displayName"], "Ada L.");

        // Errors are per operation, in the SCIM error shape; the others still run.
        let results = bulk(&dir, json!([
            {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "ADA@acme.test"}},
            {"method": "PUT", "path": format!("/Users/{ada}"), "version": "W/\"1\"", "data": {"userName": "ada@acme.test"}},
            {"method": "PATCH", "path": "/Groups/bulkId:dup", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}},
            {"method": "DELETE", "path": "/Users/bulkId:nowhere"},
            {"method": "GET", "path": "/Users"},
            {"method": "DELETE", "path": "/Printers/1"},
            {"method": "POST", "path": "/Users", "data": {"userName": "no-bulk-id@acme.test"}},
            {"method": "DELETE", "path": format!("/Users/{bob}")}
        ]), None);
        assert_eq!(statuses(&results), vec!["409", "412", "409", "409", "400", "400", "400", "204"], "{results:?}");
        assert_eq!(results[0]["response"]["scimType"], "uniqueness");
        assert_eq!(results[0]["response"]["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));
        assert_eq!(results[2]["response"]["scimType"], "invalidValue");
        assert_eq!(results[1]["location"].as_str(), Some(format!("{}/Users/{ada}", dir.base).as_str()), "a failed PUT says which resource");
        assert_eq!(results[7]["location"].as_str(), Some(format!("{}/Users/{bob}", dir.base).as_str()));
        dir.get(&format!("/Users/{bob}")).assert_error(404, None);

        // failOnErrors stops after that many failures; the rest is not run.
        let results = bulk(&dir, json!([
            {"method": "DELETE", "path": "/Users/missing-1"},
            {"method": "DELETE", "path": "/Users/missing-2"},
            {"method": "POST", "path": "/Users", "bulkId": "late", "data": {"userName": "late@acme.test"}}
        ]), Some(2));
        assert_eq!(statuses(&results), vec!["404", "404"]);
        assert_eq!(dir.get(&format!("/Users?filter={}", urlencode("userName eq \"late@acme.test\""))).body["totalResults"], 0);

        // References in a cycle cannot be resolved.
        let results = bulk(&dir, json!([
            {"method": "POST", "path": "/Users", "bulkId": "x", "data": {"userName": "x@acme.test",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:y"}}}},
            {"method": "POST", "path": "/Users", "bulkId": "y", "data": {"userName": "y@acme.test",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:x"}}}}
        ]), None);
        assert_eq!(statuses(&results), vec!["409", "409"]);

        // Whole-request errors.
        dir.post("/Bulk", &json!({"Operations": []})).assert_error(400, Some("invalidSyntax"));
        dir.post("/Bulk", &json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a@acme.test"}},
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "b@acme.test"}}
        ]})).assert_error(400, Some("invalidValue"));
        dir.raw("POST", "/Bulk", "{\"schemas\": [").assert_error(400, Some("invalidSyntax"));
        dir.post("/Bulk", &json!({"schemas": [BULK], "failOnErrors": 0, "Operations": []})).assert_error(400, Some("invalidValue"));
        let too_many: Vec<Value> = (0..1001).map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")})).collect();
        dir.post("/Bulk", &json!({"schemas": [BULK], "Operations": too_many})).assert_error(413, None);
        let big = "x".repeat(1_048_577);
        dir.raw("POST", "/Bulk", &format!("{{\"schemas\": [\"{BULK}\"], \"Operations\": [], \"pad\": \"{big}\"}}")).assert_error(413, None);
        assert_eq!(dir.get("/Bulk").status, 405);
    }
}

both_backends! {
    fn a_filter_matching_more_than_one_answer_holds_is_too_many(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        for batch in 0..2 {
            let operations: Vec<Value> = (0..501).map(|i| json!({
                "method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                "data": {"userName": format!("user{batch}-{i:03}@acme.test")}
            })).collect();
            let results = bulk(&dir, json!(operations), None);
            assert!(results.iter().all(|r| r["status"] == "201"), "{:?}", results.iter().find(|r| r["status"] != "201"));
        }
        let filter = urlencode("userName sw \"user\"");
        dir.get(&format!("/Users?filter={filter}")).assert_error(400, Some("tooMany"));
        let page = dir.get(&format!("/Users?filter={filter}&count=10&startIndex=1000&sortBy=userName"));
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body["totalResults"], 1002);
        assert_eq!(page.body["itemsPerPage"], 3);
        assert_eq!(page.body["Resources"][2]["userName"], "user1-500@acme.test");
        // Without a filter, a list is simply capped at one answer.
        assert_eq!(dir.get("/Users").body["itemsPerPage"], 1000);
    }
}
