-- The kit's ownership table (kit 002_ownership) starts with the owners this service kept
-- before it existed: the agency columns below were written by the first publisher.
INSERT INTO ownership (kind, entity_id, agency)
SELECT 'course', course_id, agency FROM courses
UNION ALL SELECT 'session', session_id, agency FROM sessions
UNION ALL SELECT 'participant', participant_id, agency FROM participants
UNION ALL SELECT 'enrolment', enrolment_id, agency FROM enrolments
UNION ALL SELECT 'certificate', certificate_id, agency FROM certificates
ON CONFLICT DO NOTHING;
