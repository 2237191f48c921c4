-- A unit's work queue, per status, in due order with the code as tie-breaker (keyset pagination:
-- a page is one index range, however deep). Dossiers awaiting intake are ordered by submission,
-- the others by their appointment.
DROP INDEX dossiers_queue;
CREATE INDEX dossiers_queue_due ON dossiers (current_unit_id, status, appointment, code);
CREATE INDEX dossiers_queue_new ON dossiers (current_unit_id, status, submitted_at, code);
