-- Erasure (issue 17): a forgotten participant keeps a pseudonymous row (id, agency,
-- language, consent) so later events about them are recognised and send nothing.
ALTER TABLE participants
    ALTER COLUMN given_name DROP NOT NULL,
    ALTER COLUMN family_name DROP NOT NULL,
    ALTER COLUMN email DROP NOT NULL,
    ADD COLUMN erased_at timestamptz;
