DROP TABLE scim_tokens;
