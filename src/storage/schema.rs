//! The diesel schema, one definition for both backends (the migrations keep them identical).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_verified -> Bool,
        username -> Nullable<Text>,
        name -> Nullable<Text>,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        picture -> Nullable<Text>,
        locale -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        password_changed_at -> Nullable<BigInt>,
        disabled -> Bool,
        public_metadata -> Text,
        private_metadata -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_digest -> Text,
        user_id -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        active_organization_id -> Nullable<Text>,
    }
}

diesel::table! {
    one_time_tokens (digest) {
        digest -> Text,
        purpose -> Text,
        user_id -> Nullable<Text>,
        email -> Text,
        payload -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        consumed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    throttle_counters (key) {
        key -> Text,
        failures -> BigInt,
        last_failure_at -> BigInt,
        blocked_until -> BigInt,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(grants -> users (user_id));
diesel::joinable!(grants -> clients (client_id));
diesel::joinable!(refresh_tokens -> grants (grant_id));
diesel::joinable!(consents -> clients (client_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> organizations (organization_id));
diesel::joinable!(organization_roles -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    one_time_tokens,
    throttle_counters,
    signing_keys,
    clients,
    consents,
    grants,
    authorization_codes,
    refresh_tokens,
    revoked_access_tokens,
    used_client_assertions,
    organizations,
    organization_roles,
    memberships,
    audit_events,
    webhook_endpoints,
    webhook_messages,
    webhook_deliveries,
    webhook_attempts,
    organization_invitations,
    organization_domains,
    api_keys,
    idempotency_keys,
    scim_tokens,
    scim_users,
    scim_user_values,
    scim_groups,
    scim_group_members,
    scim_group_roles,
    saml_keys,
    saml_connections,
    saml_connection_domains,
    saml_requests,
    saml_seen_assertions,
    saml_identities,
    saml_apps,
    saml_idp_requests,
    saml_app_sessions,
    saml_sp_sessions
);

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        private_key -> Text,
        public_jwk -> Text,
        created_at -> BigInt,
        signing_until -> Nullable<BigInt>,
        published_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        secret_digest -> Nullable<Text>,
        auth_method -> Text,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        grant_types -> Text,
        scopes -> Text,
        jwks_uri -> Nullable<Text>,
        first_party -> Bool,
        backchannel_logout_uri -> Nullable<Text>,
        id_token_alg -> Text,
        access_token_seconds -> Nullable<BigInt>,
        id_token_seconds -> Nullable<BigInt>,
        refresh_token_seconds -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        granted_at -> BigInt,
    }
}

diesel::table! {
    grants (id) {
        id -> Text,
        user_id -> Text,
        client_id -> Text,
        session_id -> Text,
        offline -> Bool,
        scope -> Text,
        auth_time -> BigInt,
        acr -> Nullable<Text>,
        amr -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        logout_state -> Text,
        logout_attempts -> BigInt,
        logout_next_at -> Nullable<BigInt>,
        organization_id -> Nullable<Text>,
    }
}

diesel::table! {
    authorization_codes (digest) {
        digest -> Text,
        client_id -> Text,
        user_id -> Text,
        session_id -> Text,
        redirect_uri -> Text,
        scope -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        auth_time -> BigInt,
        acr -> Nullable<Text>,
        amr -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        consumed_at -> Nullable<BigInt>,
        grant_id -> Nullable<Text>,
        organization_id -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (digest) {
        digest -> Text,
        grant_id -> Text,
        scope -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    revoked_access_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    used_client_assertions (key) {
        key -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        logo_url -> Nullable<Text>,
        public_metadata -> Text,
        private_metadata -> Text,
        default_role -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    organization_roles (organization_id, role_key) {
        organization_id -> Text,
        role_key -> Text,
        name -> Text,
        permissions -> Text,
        built_in -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    memberships (organization_id, user_id) {
        organization_id -> Text,
        user_id -> Text,
        role_key -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        disabled -> Bool,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> BigInt,
        action -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        details -> Text,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        sealed_secret -> Text,
        disabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    webhook_messages (id) {
        id -> Text,
        event_type -> Text,
        body -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        message_id -> Text,
        endpoint_id -> Text,
        state -> Text,
        attempts -> BigInt,
        next_attempt_at -> BigInt,
        held_until -> BigInt,
        claim_token -> Nullable<Text>,
        give_up_at -> BigInt,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        response_excerpt -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_messages (message_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    organization_invitations (id) {
        id -> Text,
        organization_id -> Text,
        email -> Text,
        role_key -> Text,
        token_digest -> Text,
        state -> Text,
        invited_by -> Nullable<Text>,
        accepted_by -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::joinable!(organization_invitations -> organizations (organization_id));

diesel::table! {
    organization_domains (id) {
        id -> Text,
        organization_id -> Text,
        domain -> Text,
        enrollment_mode -> Text,
        verified_at -> Nullable<BigInt>,
        verification_email -> Nullable<Text>,
        code_mac -> Nullable<Text>,
        code_expires_at -> Nullable<BigInt>,
        code_attempts -> BigInt,
        wrong_codes_total -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::joinable!(organization_domains -> organizations (organization_id));

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        prefix -> Text,
        secret_digest -> Text,
        scopes -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        expires_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    idempotency_keys (api_key_id, idempotency_key) {
        api_key_id -> Text,
        idempotency_key -> Text,
        request_digest -> Text,
        status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::joinable!(idempotency_keys -> api_keys (api_key_id));

diesel::table! {
    scim_tokens (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        prefix -> Text,
        secret_digest -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(scim_tokens -> organizations (organization_id));

diesel::table! {
    scim_users (id) {
        id -> Text,
        organization_id -> Text,
        user_id -> Text,
        user_name -> Text,
        user_name_lower -> Text,
        external_id -> Nullable<Text>,
        active -> Bool,
        created_user -> Bool,
        resource -> Text,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        created_membership -> Bool,
    }
}

diesel::table! {
    scim_user_values (scim_user_id, attr, elem, sub) {
        scim_user_id -> Text,
        organization_id -> Text,
        attr -> Text,
        sub -> Text,
        elem -> Integer,
        in_primary -> Bool,
        value -> Text,
        value_lower -> Text,
    }
}

diesel::joinable!(scim_users -> organizations (organization_id));
diesel::joinable!(scim_users -> users (user_id));
diesel::joinable!(scim_user_values -> scim_users (scim_user_id));

diesel::table! {
    scim_groups (id) {
        id -> Text,
        organization_id -> Text,
        display_name -> Text,
        display_name_lower -> Text,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    scim_group_members (scim_group_id, scim_user_id) {
        scim_group_id -> Text,
        scim_user_id -> Text,
        organization_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    scim_group_roles (organization_id, group_name_lower) {
        organization_id -> Text,
        group_name_lower -> Text,
        group_name -> Text,
        role_key -> Text,
        priority -> Integer,
        created_at -> BigInt,
    }
}

diesel::joinable!(scim_groups -> organizations (organization_id));
diesel::joinable!(scim_group_members -> scim_groups (scim_group_id));
diesel::joinable!(scim_group_members -> scim_users (scim_user_id));

diesel::table! {
    saml_keys (id) {
        id -> Text,
        private_key -> Text,
        certificate -> Text,
        created_at -> BigInt,
        signs_from -> BigInt,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    saml_connections (id) {
        id -> Text,
        organization_id -> Text,
        name -> Text,
        idp_entity_id -> Text,
        sso_url -> Text,
        certificates -> Text,
        sign_requests -> Bool,
        allow_idp_initiated -> Bool,
        default_target -> Nullable<Text>,
        mandatory -> Bool,
        email_attribute -> Nullable<Text>,
        given_name_attribute -> Nullable<Text>,
        family_name_attribute -> Nullable<Text>,
        groups_attribute -> Nullable<Text>,
        metadata_url -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        slo_url -> Nullable<Text>,
    }
}

diesel::table! {
    saml_sp_sessions (session_id, connection_id) {
        session_id -> Text,
        connection_id -> Text,
        name_id -> Text,
        name_id_format -> Nullable<Text>,
        session_index -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    saml_connection_domains (domain) {
        domain -> Text,
        connection_id -> Text,
    }
}

diesel::table! {
    saml_requests (id) {
        id -> Text,
        connection_id -> Text,
        relay_digest -> Text,
        return_to -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    saml_seen_assertions (connection_id, assertion_id) {
        connection_id -> Text,
        assertion_id -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    saml_identities (connection_id, name_id) {
        connection_id -> Text,
        name_id -> Text,
        user_id -> Text,
        created_membership -> Bool,
        created_at -> BigInt,
        last_sign_in_at -> BigInt,
    }
}

diesel::joinable!(saml_connections -> organizations (organization_id));
diesel::joinable!(saml_connection_domains -> saml_connections (connection_id));

diesel::table! {
    saml_apps (id) {
        id -> Text,
        name -> Text,
        entity_id -> Text,
        acs_urls -> Text,
        slo_url -> Nullable<Text>,
        certificates -> Text,
        requests_signed -> Bool,
        encrypt_assertions -> Bool,
        name_id_format -> Text,
        organization_id -> Nullable<Text>,
        metadata_url -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    saml_idp_requests (id) {
        id -> Text,
        app_id -> Text,
        request_id -> Nullable<Text>,
        acs_url -> Text,
        relay_state -> Nullable<Text>,
        force_authn -> Bool,
        created_at -> BigInt,
        expires_at -> BigInt,
        is_passive -> Bool,
        browser_digest -> Text,
    }
}

diesel::table! {
    saml_app_sessions (session_id, app_id) {
        session_id -> Text,
        app_id -> Text,
        name_id -> Text,
        session_index -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(saml_idp_requests -> saml_apps (app_id));
diesel::joinable!(saml_app_sessions -> saml_apps (app_id));
