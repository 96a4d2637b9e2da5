ALTER TABLE memberships DROP COLUMN disabled;
DROP TABLE scim_user_values;
DROP TABLE scim_users;
