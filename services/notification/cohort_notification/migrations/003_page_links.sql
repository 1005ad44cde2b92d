-- Signed links to the participant's page (participant.link_requested.v1 from enrolment).
-- `cause` is the event's causationid: the confirmation's cause (a link made just before a
-- confirmation) or the certificate event's id; NULL for a link the participant re-requested.
CREATE TABLE page_links (
    event_id       text PRIMARY KEY,
    participant_id text NOT NULL,
    link           text NOT NULL,
    expires_at     timestamptz NOT NULL,
    cause          text,
    received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX page_links_cause ON page_links (cause, participant_id) WHERE cause IS NOT NULL;
CREATE INDEX page_links_participant ON page_links (participant_id, expires_at);
