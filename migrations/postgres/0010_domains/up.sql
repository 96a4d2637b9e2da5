-- Domains an organization claims. A claim is proven by a code mailed to an address at the domain
-- (only a MAC of the code is kept); once verified, no other organization can verify the same
-- domain. The enrollment mode says what happens for people with an address there.
CREATE TABLE organization_domains (
    id                 TEXT PRIMARY KEY NOT NULL,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain             TEXT NOT NULL,
    enrollment_mode    TEXT NOT NULL DEFAULT 'manual',
    verified_at        BIGINT,
    verification_email TEXT,
    code_mac           TEXT,
    code_expires_at    BIGINT,
    code_attempts      BIGINT NOT NULL DEFAULT 0,
    wrong_codes_total  BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX organization_domains_org_domain ON organization_domains (organization_id, domain);
CREATE UNIQUE INDEX organization_domains_verified ON organization_domains (domain) WHERE verified_at IS NOT NULL;
CREATE INDEX organization_domains_domain ON organization_domains (domain);
