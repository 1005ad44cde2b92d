-- Erasure (issue 17): an erased holder's certificate keeps only what verification needs.
-- `credential` then holds the course and issuer names only; `credential_sha256` is the
-- hash of the signed credential as issued (see erasure.credential_hash), so a credential
-- the holder presents can still be matched to the register.
ALTER TABLE certificates
    ADD COLUMN credential_sha256 text,
    ADD COLUMN erased_at timestamptz;
