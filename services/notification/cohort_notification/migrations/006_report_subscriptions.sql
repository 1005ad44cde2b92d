-- Report subscriptions (issue 15): a webhook delivery names the variable holding its secret;
-- a contact who unsubscribed from an organisation's reports gets none of them any more.
ALTER TABLE deliveries ADD COLUMN secret_ref text;

CREATE TABLE report_unsubscribed (
    org     text NOT NULL,
    address text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, address)
);
