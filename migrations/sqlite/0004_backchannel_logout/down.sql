DROP INDEX grants_logout_state;
ALTER TABLE grants DROP COLUMN logout_next_at;
ALTER TABLE grants DROP COLUMN logout_attempts;
ALTER TABLE grants DROP COLUMN logout_state;
