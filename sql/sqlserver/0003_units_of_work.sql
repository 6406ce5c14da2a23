-- Effective dates, request idempotency, hold releases by the background job, the back-dating limit.

-- The local day (community time zone) a transaction belongs to. NULL only on transactions written before this
-- script (canonical form v1); every later transaction has one and hashes it (v2).
ALTER TABLE dbo.ledger_transactions ADD effective_date date NULL;
GO

-- How many days back an effective date may lie (policy; reversals are exempt, they correct the past).
ALTER TABLE dbo.communities ADD backdate_days int NOT NULL
    CONSTRAINT df_communities_backdate_days DEFAULT 60
    CONSTRAINT ck_communities_backdate_days CHECK (backdate_days BETWEEN 0 AND 366);
GO

-- Who released a hold: the person who cancelled, or the background job that found it expired.
ALTER TABLE dbo.holds ADD closed_by nvarchar(200) NULL;
GO
CREATE INDEX ix_holds_expiry ON dbo.holds (status, expires_at);
GO

-- Idempotency of requests: the key a client sent, what it asked (hash), and the answer it got, stored in the same
-- transaction as the write. community_id is 0 for requests outside any community.
CREATE TABLE dbo.request_keys (
    community_id    bigint        NOT NULL,
    idempotency_key nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    request_name    nvarchar(100) NOT NULL,
    request_hash    char(64)      NOT NULL,
    response_json   nvarchar(max) NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT pk_request_keys PRIMARY KEY (community_id, idempotency_key)
);
GO

GRANT SELECT, INSERT ON dbo.request_keys TO pointsbank_app;
GO
