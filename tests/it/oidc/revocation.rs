//! What ends tokens: RFC 7009 revocation, RFC 7662 introspection reporting it, the account page's
//! "remove access", signing out (for grants without offline access), a password change, and
//! disabling the user.

use crate::both_backends;
use crate::support::oidc::{REDIRECT, TestClient, code_for, jwt_claims};
use crate::support::{Browser, PASSWORD, TestServer};

struct Live {
    access: String,
    refresh: Option<String>,
}

fn tokens(server: &TestServer, browser: &Browser, client: &TestClient, scope: &str) -> Live {
    let code = code_for(browser, server, client, &[("scope", scope)]);
    let (status, body) = server.token(
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_eq!(status, 200, "{body}");
    Live {
        access: body["access_token"].as_str().expect("at").to_string(),
        refresh: body["refresh_token"].as_str().map(str::to_string),
    }
}

fn introspect(server: &TestServer, client: &TestClient, token: &str) -> serde_json::Value {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/introspect", server.base_url))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .expect("introspect");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().expect("json")
}

fn revoke(server: &TestServer, client: &TestClient, token: &str, hint: Option<&str>) -> u16 {
    let mut form = vec![("token", token)];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    reqwest::blocking::Client::new()
        .post(format!("{}/revoke", server.base_url))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&form)
        .send()
        .expect("revoke")
        .status()
        .as_u16()
}

fn userinfo_status(server: &TestServer, access: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(format!("{}/userinfo", server.base_url))
        .bearer_auth(access)
        .send()
        .expect("userinfo")
        .status()
        .as_u16()
}

fn setup(backend: crate::support::Backend) -> (TestServer, Browser, TestClient) {
    let server = TestServer::start(backend);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let client = server.client();
    (server, browser, client)
}

both_backends! {
    fn revocation_and_introspection_rfc7009_rfc7662(backend) {
        let (server, browser, client) = setup(backend);
        let live = tokens(&server, &browser, &client, "openid email offline_access");
        let refresh = live.refresh.clone().expect("refresh");
        let info = introspect(&server, &client, &live.access);
        assert_eq!(info["active"], true);
        assert_eq!(info["client_id"], client.id);
        assert_eq!(info["scope"], "email offline_access openid");
        assert_eq!(info["sub"], jwt_claims(&live.access)["sub"]);
        assert_eq!(introspect(&server, &client, &refresh)["token_type"], "refresh_token");
        assert_eq!(introspect(&server, &client, "garbage"), serde_json::json!({"active": false}));

        // Revoking the access token ends only it.
        assert_eq!(revoke(&server, &client, &live.access, Some("access_token")), 200);
        assert_eq!(introspect(&server, &client, &live.access), serde_json::json!({"active": false}));
        assert_eq!(userinfo_status(&server, &live.access), 401);
        assert_eq!(introspect(&server, &client, &refresh)["active"], true);

        // Another client cannot revoke it, and learns nothing (still 200).
        let other = server.client();
        let second = tokens(&server, &browser, &client, "openid offline_access");
        assert_eq!(revoke(&server, &other, second.refresh.as_deref().expect("rt"), None), 200);
        assert_eq!(introspect(&server, &client, second.refresh.as_deref().expect("rt"))["active"], true);

        // Revoking the refresh token (wrong hint is fine) ends the grant and its access tokens.
        assert_eq!(revoke(&server, &client, &refresh, Some("access_token")), 200);
        assert_eq!(introspect(&server, &client, &refresh)["active"], false);
        let (status, body) = server.token(&client, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]);
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
        // Unknown tokens: 200 all the same.
        assert_eq!(revoke(&server, &client, "never-issued", None), 200);
        // Expired access tokens are inactive.
        let third = tokens(&server, &browser, &client, "openid");
        server.clock.advance(601);
        assert_eq!(introspect(&server, &client, &third.access)["active"], false);
        assert_eq!(userinfo_status(&server, &third.access), 401);
    }
}

#[test]
fn revocation_and_introspection_refuse_bad_requests() {
    let (server, _browser, client) = setup(crate::support::Backend::Sqlite);
    let http = reqwest::blocking::Client::new();
    for path in ["/revoke", "/introspect"] {
        let url = format!("{}{path}", server.base_url);
        let no_auth = http
            .post(&url)
            .form(&[("token", "x")])
            .send()
            .expect("post");
        assert_eq!(no_auth.status().as_u16(), 401, "{path}");
        let wrong = http
            .post(&url)
            .basic_auth(&client.id, Some("wrong"))
            .form(&[("token", "x")])
            .send()
            .expect("post");
        assert_eq!(wrong.status().as_u16(), 401, "{path}");
        assert!(wrong.headers().contains_key("www-authenticate"));
        let missing = http
            .post(&url)
            .basic_auth(&client.id, client.secret.as_deref())
            .form(&[("x", "y")])
            .send()
            .expect("post");
        assert_eq!(missing.status().as_u16(), 400, "{path}");
        assert_eq!(
            missing.json::<serde_json::Value>().expect("json")["error"],
            "invalid_request"
        );
        assert_eq!(
            http.get(&url).send().expect("get").status().as_u16(),
            405,
            "{path}"
        );
    }
    // Public clients may revoke their tokens but not introspect.
    let mut public = crate::support::oidc::registration("SPA");
    public.auth_method = tessera::domain::client::AuthMethod::None;
    let spa = server.register(public);
    let revoke = http
        .post(format!("{}/revoke", server.base_url))
        .form(&[("token", "x"), ("client_id", &spa.id)])
        .send()
        .expect("post");
    assert_eq!(revoke.status().as_u16(), 200);
    let introspect = http
        .post(format!("{}/introspect", server.base_url))
        .form(&[("token", "x"), ("client_id", &spa.id)])
        .send()
        .expect("post");
    assert_eq!(introspect.status().as_u16(), 401);
}

both_backends! {
    fn sign_out_password_change_disable_and_remove_access_end_tokens(backend) {
        let (server, browser, client) = setup(backend);
        // Without offline access, tokens live with the browser session.
        let online = tokens(&server, &browser, &client, "openid");
        let offline = tokens(&server, &browser, &client, "openid offline_access");
        assert_eq!(userinfo_status(&server, &online.access), 200);
        browser.submit("/account", "/sign-out", &[]);
        assert_eq!(userinfo_status(&server, &online.access), 401, "the session ended");
        assert_eq!(userinfo_status(&server, &offline.access), 200, "offline access survives sign-out");

        // A password change ends everything, offline grants included.
        browser.sign_in("ada@example.com", PASSWORD);
        let form = browser.get("/account");
        browser.post("/account/password", &[("csrf_token", &form.csrf_token()), ("current_password", PASSWORD), ("new_password", "a brand new passphrase")]);
        assert_eq!(userinfo_status(&server, &offline.access), 401);
        let (status, _) = server.token(&client, &[("grant_type", "refresh_token"), ("refresh_token", offline.refresh.as_deref().expect("rt"))]);
        assert_eq!(status, 400);

        // Disabling the user.
        let live = tokens(&server, &browser, &client, "openid offline_access");
        let user = server.block_on(tessera::accounts::admin::find(&server.state, "ada@example.com")).expect("user");
        server.block_on(tessera::accounts::admin::set_disabled(&server.state, &user.id, true)).expect("disable");
        assert_eq!(introspect(&server, &client, &live.access)["active"], false);
        server.block_on(tessera::accounts::admin::set_disabled(&server.state, &user.id, false)).expect("enable");
        assert_eq!(introspect(&server, &client, live.refresh.as_deref().expect("rt"))["active"], false, "re-enabling does not revive tokens");
    }
}

both_backends! {
    fn the_account_page_lists_apps_and_removes_their_access(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let mut third = crate::support::oidc::registration("Photo Printer");
        third.first_party = false;
        let client = server.register(third);
        let path = crate::support::oidc::authorize_path(&[("client_id", &client.id), ("redirect_uri", REDIRECT), ("response_type", "code"), ("scope", "openid email offline_access"), ("state", "s")]);
        let consent = browser.get(&path);
        let allowed = browser.post("/authorize/consent", &[("csrf_token", &consent.csrf_token()), ("interaction", &consent.input_value("interaction").expect("i")), ("session", &consent.input_value("session").expect("s")), ("decision", "allow")]);
        let code = crate::support::oidc::client_params(&allowed)["code"].clone();
        let (_, body) = server.token(&client, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT)]);
        let refresh = body["refresh_token"].as_str().expect("rt").to_string();

        let account = browser.get("/account");
        account.assert_contains("Photo Printer").assert_contains("See your email address").assert_contains("Remove access");
        let token = account.csrf_token();
        browser.post(&format!("/account/apps/{}/revoke", client.id), &[]).assert_status(403);
        let done = browser.post(&format!("/account/apps/{}/revoke", client.id), &[("csrf_token", &token)]);
        assert_eq!(done.location(), "/account?notice=app-revoked");
        browser.get("/account").assert_contains("No other app has access");
        let (status, _) = server.token(&client, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]);
        assert_eq!(status, 400, "its refresh tokens are revoked");
        assert_eq!(userinfo_status(&server, body["access_token"].as_str().expect("at")), 401);
        // Consent is asked again next time.
        browser.get(&path).assert_status(200).assert_contains("Photo Printer wants");
        // Someone else's or an unknown app: not found.
        browser.post("/account/apps/unknown/revoke", &[("csrf_token", &token)]).assert_status(404);
    }
}

#[test]
fn a_retired_key_stops_its_tokens_even_after_they_were_checked_once() {
    let (server, browser, client) = setup(crate::support::Backend::Sqlite);
    let live = tokens(&server, &browser, &client, "openid");
    assert_eq!(
        userinfo_status(&server, &live.access),
        200,
        "checked once, now remembered"
    );
    let now = tessera::clock::Clock::now(&server.clock);
    let kid = crate::support::oidc::jwt_header(&live.access)["kid"]
        .as_str()
        .expect("kid")
        .to_string();
    server
        .state
        .keys
        .rotate(
            &server.state.db,
            &[tessera::crypto::signing_keys::SigningAlgorithm::Es256],
            now,
        )
        .expect("rotate");
    assert_eq!(
        userinfo_status(&server, &live.access),
        200,
        "a rotated key still verifies"
    );
    server
        .state
        .keys
        .retire(&server.state.db, &kid, now)
        .expect("retire");
    assert_eq!(
        userinfo_status(&server, &live.access),
        401,
        "a retired key does not"
    );
}

#[test]
fn a_client_changed_in_this_process_is_seen_at_once() {
    let (server, _browser, _client) = setup(crate::support::Backend::Sqlite);
    let mut r = crate::support::oidc::registration("Worker");
    r.grant_types = vec![tessera::domain::client::GrantType::ClientCredentials];
    r.redirect_uris.clear();
    let worker = server.register(r);
    assert_eq!(
        server
            .token(&worker, &[("grant_type", "client_credentials")])
            .0,
        200
    );
    let rotated =
        tessera::oidc::client_registry::rotate_secret(&server.state, &worker.id).expect("rotate");
    assert_eq!(
        server
            .token(&worker, &[("grant_type", "client_credentials")])
            .0,
        401,
        "the old secret stops at once"
    );
    let fresh = TestClient {
        id: worker.id.clone(),
        secret: rotated.secret,
    };
    assert_eq!(
        server
            .token(&fresh, &[("grant_type", "client_credentials")])
            .0,
        200
    );
    tessera::oidc::client_registry::delete(&server.state, &worker.id).expect("delete");
    assert_eq!(
        server
            .token(&fresh, &[("grant_type", "client_credentials")])
            .0,
        401
    );
}
