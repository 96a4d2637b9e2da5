DROP TABLE used_client_assertions;
DROP TABLE revoked_access_tokens;
DROP TABLE refresh_tokens;
DROP TABLE authorization_codes;
DROP TABLE grants;
DROP TABLE consents;
DROP TABLE clients;
