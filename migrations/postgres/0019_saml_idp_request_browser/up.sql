-- A pending AuthnRequest belongs to the browser that brought it: the digest of a nonce kept in a
-- cookie of that browser, checked when the request is answered.
ALTER TABLE saml_idp_requests ADD COLUMN browser_digest TEXT NOT NULL DEFAULT '';
