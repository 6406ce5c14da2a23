-- Published monthly rankings (积分光荣榜, issue 10). A snapshot is one revision of one month's board: its header records
-- the ledger's chain head it was taken at, who published it and when, and the Merkle root (snapshot_hash) over its rows
-- in the canonical form of docs/rankings.md. Publishing again after a correction adds revision 2, 3…; nothing is ever
-- changed or removed, which the triggers and the app role's DENY below enforce as they do for the journal.
CREATE TABLE dbo.ranking_snapshots (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_ranking_snapshots PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_ranking_snapshots_community REFERENCES dbo.communities (id),
    month           char(7)       NOT NULL,
    revision        int           NOT NULL CONSTRAINT ck_ranking_snapshots_revision CHECK (revision > 0),
    ranked_by       nvarchar(16)  NOT NULL CONSTRAINT ck_ranking_snapshots_ranked_by CHECK (ranked_by IN (N'household', N'person')),
    row_count       int           NOT NULL CONSTRAINT ck_ranking_snapshots_row_count CHECK (row_count >= 0),
    snapshot_hash   char(64)      NOT NULL,
    chain_head_seq  bigint        NOT NULL CONSTRAINT ck_ranking_snapshots_head CHECK (chain_head_seq >= 0),
    chain_head_hash char(64)      NOT NULL,
    published_by    nvarchar(200) NOT NULL,
    published_at    datetime2(3)  NOT NULL,
    CONSTRAINT ux_ranking_snapshots_revision UNIQUE (community_id, month, revision)
);
GO

-- The rows of a snapshot in board order (position 0 is the first leaf of the Merkle tree).
CREATE TABLE dbo.ranking_snapshot_rows (
    snapshot_id       bigint        NOT NULL CONSTRAINT fk_ranking_snapshot_rows_snapshot REFERENCES dbo.ranking_snapshots (id),
    position          int           NOT NULL CONSTRAINT ck_ranking_snapshot_rows_position CHECK (position >= 0),
    rank              int           NOT NULL CONSTRAINT ck_ranking_snapshot_rows_rank CHECK (rank > 0),
    subject_kind      nvarchar(16)  NOT NULL CONSTRAINT ck_ranking_snapshot_rows_kind CHECK (subject_kind IN (N'household', N'person')),
    subject_id        bigint        NOT NULL,
    account_id        bigint        NOT NULL CONSTRAINT fk_ranking_snapshot_rows_account REFERENCES dbo.accounts (id),
    household_code    nvarchar(200) NOT NULL,
    masked_name       nvarchar(200) NOT NULL,
    grid_id           bigint        NULL,
    points            bigint        NOT NULL,
    volunteer_minutes bigint        NOT NULL,
    CONSTRAINT pk_ranking_snapshot_rows PRIMARY KEY (snapshot_id, position)
);
CREATE INDEX ix_ranking_snapshot_rows_account ON dbo.ranking_snapshot_rows (account_id, snapshot_id);
GO

CREATE TRIGGER dbo.tr_ranking_snapshots_append_only ON dbo.ranking_snapshots
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51030, N'ranking_snapshots is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

CREATE TRIGGER dbo.tr_ranking_snapshot_rows_append_only ON dbo.ranking_snapshot_rows
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51031, N'ranking_snapshot_rows is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

GRANT SELECT, INSERT ON dbo.ranking_snapshots TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.ranking_snapshot_rows TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.ranking_snapshots TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.ranking_snapshot_rows TO pointsbank_app;
GO
