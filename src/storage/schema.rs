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
diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    one_time_tokens,
    throttle_counters,
    signing_keys
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
