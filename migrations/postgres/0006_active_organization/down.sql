ALTER TABLE grants DROP COLUMN organization_id;
ALTER TABLE authorization_codes DROP COLUMN organization_id;
ALTER TABLE sessions DROP COLUMN active_organization_id;
