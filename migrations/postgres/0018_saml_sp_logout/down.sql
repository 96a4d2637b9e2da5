ALTER TABLE saml_idp_requests DROP COLUMN is_passive;
DROP TABLE saml_sp_sessions;
ALTER TABLE saml_connections DROP COLUMN slo_url;
