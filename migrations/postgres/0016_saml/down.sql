DROP TABLE saml_identities;
DROP TABLE saml_seen_assertions;
DROP TABLE saml_requests;
DROP TABLE saml_connection_domains;
DROP TABLE saml_connections;
DROP TABLE saml_keys;
