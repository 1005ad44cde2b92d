-- Indexes behind a report over a million enrolments (issue 18).
-- The latest reschedule of each session: one index probe per session and attribute
-- instead of a scan of every change.
CREATE INDEX r_session_change_latest ON r_session_change (session_id, at DESC, event_id DESC);
-- People who refused statistics (left out of every count): the anti-joins read this small
-- index instead of every profile.
CREATE INDEX r_participant_refused ON r_participant (participant_id) WHERE NOT statistics;
