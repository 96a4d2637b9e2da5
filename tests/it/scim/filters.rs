//! Filtering, sorting, paging and `/.search` over Users, run in the database on both backends.

use super::{Directory, urlencode};
use crate::both_backends;
use crate::support::TestServer;
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn person(user_name: &str, family: &str, emails: Value, department: &str, active: bool) -> Value {
    json!({
        "userName": user_name,
        "externalId": format!("Ext-{family}"),
        "name": {"familyName": family, "givenName": "Test"},
        "emails": emails,
        "title": if family == "Hopper" { json!("Rear Admiral") } else { Value::Null },
        "active": active,
        (ENTERPRISE): {"department": department},
    })
}

/// The query string of a filter.
fn q(filter: &str) -> String {
    format!("/Users?filter={}", urlencode(filter))
}

both_backends! {
    fn filters_sorting_and_paging_run_in_the_database(backend) {
        let server = TestServer::start(backend);
        let dir = Directory::connect(&server, "acme");
        let mut ids = std::collections::HashMap::new();
        for (user_name, family, emails, department, active) in [
            ("ada@acme.test", "Lovelace", json!([{"value": "ada@acme.test", "type": "work", "primary": true}, {"value": "ada@home.test", "type": "home"}]), "Engines", true),
            ("Grace@Acme.test", "Hopper", json!([{"value": "grace@acme.test", "type": "work"}]), "Navy", true),
            ("alan@acme.test", "Turing", json!([{"value": "alan@home.test", "type": "home"}, {"value": "alan@acme.test", "type": "other"}]), "Engines", false),
            ("edsger@acme.test", "Dijkstra", json!([{"value": "EDSGER@ACME.TEST", "type": "work"}]), "Algorithms", true),
            ("barbara@acme.test", "Liskov", json!([]), "Algorithms", true),
        ] {
            let made = dir.create_user(&person(user_name, family, emails, department, active));
            ids.insert(family, made["id"].as_str().expect("id").to_string());
        }
        let names = |answer: &crate::scim::Answer| -> Vec<String> {
            let mut found: Vec<String> = Directory::ids(answer)
                .iter()
                .map(|id| ids.iter().find(|(_, v)| *v == id).map(|(k, _)| k.to_string()).expect("known id"))
                .collect();
            found.sort();
            found
        };
        let expect = |filter: &str, wanted: &[&str]| {
            let answer = dir.get(&q(filter));
            let mut wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
            wanted.sort();
            assert_eq!(names(&answer), wanted, "{filter}");
            assert_eq!(answer.body["totalResults"], wanted.len(), "{filter}");
            assert_eq!(answer.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
        };

        // userName ignores case (caseExact false); operators and attribute names too.
        expect("userName eq \"grace@acme.test\"", &["Hopper"]);
        expect("USERNAME EQ \"ADA@ACME.TEST\"", &["Lovelace"]);
        expect("userName sw \"a\"", &["Lovelace", "Turing"]);
        expect("userName ew \"@ACME.test\" and userName co \"sg\"", &["Dijkstra"]);
        // externalId is case-exact.
        expect("externalId eq \"Ext-Turing\"", &["Turing"]);
        expect("externalId eq \"ext-turing\"", &[]);
        // Multi-valued attributes match on any value; value paths keep conditions on one value.
        expect("emails co \"@home.test\"", &["Lovelace", "Turing"]);
        expect("emails.value ew \"acme.test\"", &["Lovelace", "Hopper", "Turing", "Dijkstra"]);
        expect("emails[type eq \"work\" and value co \"@acme.test\"]", &["Lovelace", "Hopper", "Dijkstra"]);
        expect("emails[type eq \"home\" and value co \"alan@acme\"]", &[]);
        expect("emails[primary eq true]", &["Lovelace"]);
        expect("emails pr", &["Lovelace", "Hopper", "Turing", "Dijkstra"]);
        expect("not (emails pr)", &["Liskov"]);
        expect("title pr", &["Hopper"]);
        expect("title eq null", &["Lovelace", "Turing", "Dijkstra", "Liskov"]);
        // Sub-attributes, booleans, extension attributes by URN, and/or/not with parentheses.
        expect("name.familyName sw \"l\"", &["Lovelace", "Liskov"]);
        expect("active eq false", &["Turing"]);
        expect("active ne false", &["Lovelace", "Hopper", "Dijkstra", "Liskov"]);
        expect(&format!("{ENTERPRISE}:department eq \"engines\""), &["Lovelace", "Turing"]);
        expect(&format!("{ENTERPRISE}:department eq \"Algorithms\" or userName eq \"grace@acme.test\""), &["Dijkstra", "Liskov", "Hopper"]);
        expect(&format!("not ({ENTERPRISE}:department eq \"Engines\") and (active eq true and name.familyName gt \"J\")"), &["Liskov"]);
        expect("userName ne \"ada@acme.test\" and emails.type eq \"work\"", &["Hopper", "Dijkstra"]);
        expect("meta.created ge \"2000-01-01T00:00:00Z\"", &["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov"]);
        expect("meta.lastModified lt \"2000-01-01T00:00:00Z\"", &[]);
        expect(&format!("id eq \"{}\"", ids["Hopper"]), &["Hopper"]);

        // Bad filters: 400 invalidFilter, saying what is wrong.
        for bad in [
            "userName eq",
            "userName xx \"a\"",
            "(userName eq \"a\"",
            "nosuch eq \"a\"",
            "name eq \"a\"",
            "active eq \"maybe\"",
            "active co \"t\"",
            "userName gt 5",
            "meta.created gt \"yesterday\"",
            "password eq \"x\"",
            "emails[nosuch eq \"x\"]",
            "userName[value eq \"x\"]",
            vec!["userName pr"; 51].join(" and ").as_str(),
        ] {
            let answer = dir.get(&q(bad));
            answer.assert_error(400, Some("invalidFilter"));
            assert!(answer.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{bad}");
        }

        // Sorting: case-insensitive userName, missing values last when ascending.
        let sorted = Directory::ids(&dir.get("/Users?sortBy=userName"));
        let order: Vec<&str> = ["Lovelace", "Turing", "Liskov", "Dijkstra", "Hopper"].iter().map(|f| ids[f].as_str()).collect();
        assert_eq!(sorted, order);
        let reversed = Directory::ids(&dir.get("/Users?sortBy=userName&sortOrder=descending"));
        assert_eq!(reversed, order.iter().rev().copied().collect::<Vec<_>>());
        let by_email = Directory::ids(&dir.get("/Users?sortBy=emails&sortOrder=ascending"));
        assert_eq!(by_email.last().map(String::as_str), Some(ids["Liskov"].as_str()), "no email sorts last");
        assert_eq!(by_email.first().map(String::as_str), Some(ids["Lovelace"].as_str()), "ada@acme.test is Ada's primary");
        let by_title = Directory::ids(&dir.get("/Users?sortBy=title&sortOrder=descending"));
        assert_ne!(by_title.first().map(String::as_str), Some(ids["Hopper"].as_str()), "missing values first when descending");
        dir.get("/Users?sortBy=userName&sortOrder=sideways").assert_error(400, Some("invalidValue"));
        dir.get("/Users?sortBy=nosuch").assert_error(400, Some("invalidValue"));

        // Paging: 1-based startIndex, count, totalResults over everything.
        let page = dir.get("/Users?sortBy=userName&startIndex=2&count=2");
        assert_eq!(Directory::ids(&page), order[1..3].to_vec());
        assert_eq!((page.body["totalResults"].as_i64(), page.body["startIndex"].as_i64(), page.body["itemsPerPage"].as_i64()), (Some(5), Some(2), Some(2)));
        let past_end = dir.get("/Users?startIndex=99");
        assert_eq!(Directory::ids(&past_end), Vec::<String>::new());
        assert_eq!(past_end.body["totalResults"], 5);
        let only_total = dir.get("/Users?count=0");
        assert_eq!((Directory::ids(&only_total).len(), only_total.body["totalResults"].as_i64()), (0, Some(5)));
        assert_eq!(Directory::ids(&dir.get("/Users?startIndex=-4&count=1")), vec![ids["Lovelace"].clone()], "startIndex below 1 is 1");
        dir.get("/Users?count=many").assert_error(400, Some("invalidValue"));
        // Projections apply to every resource in a list.
        let slim = dir.get(&format!("{}&attributes=userName", q("userName eq \"ada@acme.test\"")));
        assert_eq!(slim.body["Resources"][0], json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE], "id": ids["Lovelace"], "userName": "ada@acme.test"}));

        // POST /.search takes the same in a body.
        let search = dir.post("/Users/.search", &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "emails[type eq \"work\"]",
            "sortBy": "name.familyName",
            "sortOrder": "descending",
            "startIndex": 1,
            "count": 2,
            "attributes": ["name.familyName"]
        }));
        assert_eq!(Directory::ids(&search), vec![ids["Lovelace"].clone(), ids["Hopper"].clone()]);
        assert_eq!(search.body["totalResults"], 3);
        assert_eq!(search.body["Resources"][0]["name"], json!({"familyName": "Lovelace"}));
        dir.post("/Users/.search", &json!({"schemas": ["urn:wrong"], "filter": "userName pr"})).assert_error(400, Some("invalidSyntax"));
        dir.post("/Users/.search", &json!({"filter": 5})).assert_error(400, Some("invalidValue"));
        dir.post("/Users/.search", &json!({"filter": "userName eq"})).assert_error(400, Some("invalidFilter"));
        dir.raw("POST", "/Users/.search", "{").assert_error(400, Some("invalidSyntax"));
    }
}
