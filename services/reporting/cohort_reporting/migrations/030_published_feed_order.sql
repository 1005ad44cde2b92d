-- The order in which reports were stored, for the catch-up feed (GET /reports/feed):
-- `published_at` is the event's time, which a late or rebuilt report may set in the past,
-- so a cursor on it could skip a report stored after the reader's last page.
ALTER TABLE r_published_report ADD COLUMN feed_seq bigserial;
CREATE UNIQUE INDEX r_published_report_feed ON r_published_report (feed_seq);
