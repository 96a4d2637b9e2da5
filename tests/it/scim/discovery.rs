//! Discovery: `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` describe what the server
//! does, and what they advertise is checked against what the endpoints enforce.

use super::Directory;
use crate::both_backends;
use crate::support::TestServer;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn attribute<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {}", schema["id"]))
}

both_backends! {
    fn discovery_describes_what_the_server_does(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");

        let config = dir.get("/ServiceProviderConfig");
        assert_eq!(config.status, 200, "{}", config.body);
        assert_eq!(config.header("content-type"), Some("application/scim+json"));
        let c = &config.body;
        assert_eq!(c["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]));
        for feature in ["patch", "filter", "changePassword", "sort", "etag", "bulk"] {
            assert_eq!(c[feature]["supported"], true, "{feature}");
        }
        assert_eq!(c["filter"]["maxResults"], 1000);
        assert_eq!(c["bulk"]["maxOperations"], 1000);
        assert_eq!(c["bulk"]["maxPayloadSize"], 1_048_576);
        assert_eq!(c["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert!(c["meta"]["location"].as_str().is_some_and(|l| l.ends_with("/scim/v2/ServiceProviderConfig")));

        let types = dir.get("/ResourceTypes");
        assert_eq!(types.status, 200, "{}", types.body);
        assert_eq!(types.body["totalResults"], 2);
        let user_type = dir.get("/ResourceTypes/User").body;
        assert_eq!((user_type["endpoint"].as_str(), user_type["schema"].as_str()), (Some("/Users"), Some(USER)));
        assert_eq!(user_type["schemaExtensions"], json!([{"schema": ENTERPRISE, "required": false}]));
        assert_eq!(dir.get("/ResourceTypes/Group").body["endpoint"], "/Groups");
        dir.get("/ResourceTypes/Printer").assert_error(404, None);

        let schemas = dir.get("/Schemas");
        assert_eq!(schemas.status, 200, "{}", schemas.body);
        let ids: Vec<&str> = schemas.body["Resources"].as_array().expect("Resources").iter().filter_map(|s| s["id"].as_str()).collect();
        assert_eq!(ids, vec![USER, ENTERPRISE, GROUP]);
        let user = dir.get(&format!("/Schemas/{USER}")).body;
        assert_eq!(user["meta"]["resourceType"], "Schema");
        let user_name = attribute(&user, "userName");
        assert_eq!((user_name["required"].clone(), user_name["uniqueness"].clone(), user_name["caseExact"].clone()), (json!(true), json!("server"), json!(false)));
        let password = attribute(&user, "password");
        assert_eq!((password["returned"].clone(), password["mutability"].clone()), (json!("never"), json!("writeOnly")));
        assert_eq!(attribute(&user, "groups")["mutability"], "readOnly");
        let emails = attribute(&user, "emails");
        assert_eq!(emails["multiValued"], true);
        assert!(emails["subAttributes"].as_array().is_some_and(|s| s.iter().any(|a| a["name"] == "primary" && a["type"] == "boolean")));
        let group = dir.get(&format!("/Schemas/{GROUP}")).body;
        let members = attribute(&group, "members");
        let value = members["subAttributes"].as_array().expect("subAttributes").iter().find(|a| a["name"] == "value").expect("value");
        assert_eq!(value["mutability"], "immutable");
        let manager = attribute(&dir.get(&format!("/Schemas/{ENTERPRISE}")).body, "manager").clone();
        assert_eq!(manager["type"], "complex");
        dir.get("/Schemas/urn:example:unknown").assert_error(404, None);

        // Filters are refused rather than ignored; writes are not allowed.
        dir.get("/Schemas?filter=id%20eq%20%22x%22").assert_error(403, None);
        dir.get("/ResourceTypes?filter=id%20eq%20%22User%22").assert_error(403, None);
        dir.get("/ServiceProviderConfig?filter=x").assert_error(403, None);
        assert_eq!(dir.post("/Schemas", &json!({})).status, 405);
        assert_eq!(dir.send("DELETE", "/ServiceProviderConfig", None, &[]).status, 405);

        // Discovery needs the token too.
        let anonymous = reqwest::blocking::get(format!("{}/ServiceProviderConfig", dir.base)).expect("request");
        assert_eq!(anonymous.status().as_u16(), 401);
    }
}
