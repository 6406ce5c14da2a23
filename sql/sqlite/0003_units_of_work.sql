-- Effective dates, request idempotency, hold releases by the background job, the back-dating limit.

-- The local day (community time zone, 'yyyy-MM-dd') a transaction belongs to. NULL only on transactions written
-- before this script (canonical form v1); every later transaction has one and hashes it (v2).
ALTER TABLE ledger_transactions ADD COLUMN effective_date TEXT NULL;

-- How many days back an effective date may lie (policy; reversals are exempt, they correct the past).
ALTER TABLE communities ADD COLUMN backdate_days INTEGER NOT NULL DEFAULT 60 CHECK (backdate_days BETWEEN 0 AND 366);

-- Who released a hold: the person who cancelled, or the background job that found it expired.
ALTER TABLE holds ADD COLUMN closed_by TEXT NULL;
CREATE INDEX ix_holds_expiry ON holds (status, expires_at);

-- Idempotency of requests: the key a client sent, what it asked (hash), and the answer it got, stored in the same
-- transaction as the write. community_id is 0 for requests outside any community.
CREATE TABLE request_keys (
    community_id    INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL,
    request_name    TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    response_json   TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (community_id, idempotency_key)
) WITHOUT ROWID;
