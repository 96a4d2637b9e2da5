-- Back-channel logout deliveries, kept on the grant: `pending` for grants of clients with a
-- back-channel logout URI until a logout token was delivered (`done`) or delivery gave up
-- (`failed`); `none` for the others. Attempts and the next try survive restarts.
ALTER TABLE grants ADD COLUMN logout_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE grants ADD COLUMN logout_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN logout_next_at BIGINT;
CREATE INDEX grants_logout_state ON grants (logout_state);
