-- When each digest item was recorded: a digest waits until its day is over by event time,
-- or until no item has come for a while (see digest.py).
ALTER TABLE digest_items ADD COLUMN added_at timestamptz NOT NULL DEFAULT now();
