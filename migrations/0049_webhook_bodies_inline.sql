-- Issue #14 §2 (webhook intake): a stored body is the delivery encrypted (field-cipher.ts), about
-- 2.2 kB for a 1.6 kB payment.failed. Past PostgreSQL's default toast_tuple_target (~2 kB) every
-- intake row was first compressed (random ciphertext never shrinks) and then moved out of line: one
-- more row and index entry in the TOAST table per delivery, and a detoast per read by the worker.
-- Rows up to 8 kB now stay in the heap as they are; larger bodies are still compressed and toasted.
ALTER TABLE webhook_events SET (toast_tuple_target = 8160);
