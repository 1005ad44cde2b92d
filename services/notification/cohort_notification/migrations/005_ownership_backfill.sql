-- The kit's ownership table (kit 002_ownership) starts with the owners this service kept
-- before it existed (best effort: until then a later publisher could overwrite `agency`).
INSERT INTO ownership (kind, entity_id, agency)
SELECT 'session', session_id, agency FROM sessions
UNION ALL SELECT 'participant', participant_id, agency FROM participants
ON CONFLICT DO NOTHING;
