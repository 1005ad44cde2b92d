-- Every report published on REPORTS, as published: its files are served from here
-- (GET /reports/published/{report_id}), e.g. for the notification service's e-mails.
CREATE TABLE r_published_report (
    report_id    text PRIMARY KEY,
    scope_kind   text NOT NULL,
    scope_value  text NOT NULL,
    kind         text NOT NULL,
    published_at timestamptz NOT NULL,
    payload      jsonb NOT NULL
);
CREATE INDEX r_published_report_scope ON r_published_report (scope_kind, scope_value, published_at);
