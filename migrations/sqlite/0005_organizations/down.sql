DROP TABLE memberships;
DROP TABLE organization_roles;
DROP TABLE organizations;
