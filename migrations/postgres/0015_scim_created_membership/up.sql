-- Whether SCIM created the User's membership (rather than linking someone already a member).
-- Only such memberships have their role decided by group mappings: a member added by hand keeps
-- the role they were given even when the directory also provisions them.
ALTER TABLE scim_users ADD COLUMN created_membership BOOLEAN NOT NULL DEFAULT TRUE;
