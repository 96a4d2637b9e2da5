DROP TABLE saml_app_sessions;
DROP TABLE saml_idp_requests;
DROP TABLE saml_apps;
