ALTER TABLE scim_users DROP COLUMN created_membership;
