DROP TABLE scim_group_roles;
DROP VIEW scim_user_group_values;
DROP VIEW scim_group_values;
DROP TABLE scim_group_members;
DROP TABLE scim_groups;
