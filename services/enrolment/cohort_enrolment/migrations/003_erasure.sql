-- Erasure (issue 17): when the participant's names and e-mail were forgotten. The row stays,
-- pseudonymous (agency and organisation decide quotas and ownership of later events).
ALTER TABLE participants ADD COLUMN erased_at timestamptz;
