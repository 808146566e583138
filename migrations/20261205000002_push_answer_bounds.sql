-- A receiver's answer is read up to push.max_answer_bytes; the attempt records that it was cut
-- (the answer was judged on what was read).
ALTER TABLE push_attempts ADD COLUMN response_cut boolean NOT NULL DEFAULT false;
