-- Credentials are served at a random URL id, never at the sequential certificate id (which
-- anyone could count through). Certificates issued before this get a random id; their signed
-- credential keeps its old `id`, which no longer resolves.
ALTER TABLE certificates ADD COLUMN url_id text UNIQUE;
UPDATE certificates SET url_id = replace(gen_random_uuid()::text, '-', '') WHERE url_id IS NULL;
ALTER TABLE certificates ALTER COLUMN url_id SET NOT NULL;
