-- Recusal decisions have a deadline (due_on, working days after the request); the deadline keeper reminds the lead
-- department once on the due date and once when it has passed (docs/draw-service.md, "Recusal requests"). The request
-- remembers the last reminder sent; the partial index keeps each tick's look to the open requests.
ALTER TABLE recusal_requests ADD COLUMN reminded text NULL;
CREATE INDEX recusal_requests_open_due ON recusal_requests (due_on) WHERE state = 'requested';
