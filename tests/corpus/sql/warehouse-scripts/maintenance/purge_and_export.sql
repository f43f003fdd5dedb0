-- Nightly maintenance of the event store.

-- 1. Export yesterday's events for the data lake loader.
COPY (SELECT * FROM events.raw_events WHERE received_at::date = current_date - 1)
TO '/exports/raw_events.csv' WITH (FORMAT csv, HEADER true);

-- 2. Load the partner feed delivered by SFTP.
COPY events.partner_events FROM '/imports/partner_events.csv' WITH (FORMAT csv, HEADER true);

-- 3. Drop what is older than the retention window.
DELETE FROM events.raw_events
WHERE received_at < now() - interval '90 days';

VACUUM ANALYZE events.raw_events;
