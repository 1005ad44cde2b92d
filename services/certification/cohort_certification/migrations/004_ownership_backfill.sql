-- The kit's ownership table (kit 002_ownership) starts with the owners this service kept
-- before it existed (best effort: until then a later publisher could overwrite `agency`).
INSERT INTO ownership (kind, entity_id, agency)
SELECT 'certificate', certificate_id, agency FROM certificates
UNION ALL SELECT 'course', course_id, agency FROM courses
UNION ALL SELECT 'session', session_id, agency FROM sessions
UNION ALL SELECT 'participant', participant_id, agency FROM participants
ON CONFLICT DO NOTHING;
