-- The organization a browser session acts in, and the organization a code or grant was issued
-- for (the `organization` scope). Membership is checked whenever one is used.
ALTER TABLE sessions ADD COLUMN active_organization_id TEXT;
ALTER TABLE authorization_codes ADD COLUMN organization_id TEXT;
ALTER TABLE grants ADD COLUMN organization_id TEXT;
