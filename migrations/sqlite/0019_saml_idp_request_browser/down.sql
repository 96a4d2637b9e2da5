ALTER TABLE saml_idp_requests DROP COLUMN browser_digest;
