-- Published monthly rankings (积分光荣榜, issue 10). A snapshot is one revision of one month's board: its header records
-- the ledger's chain head it was taken at, who published it and when, and the Merkle root (snapshot_hash) over its rows
-- in the canonical form of docs/rankings.md. Publishing again after a correction adds revision 2, 3…; nothing is ever
-- changed or removed, which the triggers below enforce as they do for the journal.
CREATE TABLE ranking_snapshots (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    month           TEXT    NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision > 0),
    ranked_by       TEXT    NOT NULL CHECK (ranked_by IN ('household', 'person')),
    row_count       INTEGER NOT NULL CHECK (row_count >= 0),
    snapshot_hash   TEXT    NOT NULL,
    chain_head_seq  INTEGER NOT NULL CHECK (chain_head_seq >= 0),
    chain_head_hash TEXT    NOT NULL,
    published_by    TEXT    NOT NULL,
    published_at    TEXT    NOT NULL,
    UNIQUE (community_id, month, revision)
);

-- The rows of a snapshot in board order (position 0 is the first leaf of the Merkle tree).
CREATE TABLE ranking_snapshot_rows (
    snapshot_id       INTEGER NOT NULL REFERENCES ranking_snapshots (id),
    position          INTEGER NOT NULL CHECK (position >= 0),
    rank              INTEGER NOT NULL CHECK (rank > 0),
    subject_kind      TEXT    NOT NULL CHECK (subject_kind IN ('household', 'person')),
    subject_id        INTEGER NOT NULL,
    account_id        INTEGER NOT NULL REFERENCES accounts (id),
    household_code    TEXT    NOT NULL,
    masked_name       TEXT    NOT NULL,
    grid_id           INTEGER NULL,
    points            INTEGER NOT NULL,
    volunteer_minutes INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, position)
);
CREATE INDEX ix_ranking_snapshot_rows_account ON ranking_snapshot_rows (account_id, snapshot_id);

CREATE TRIGGER tr_ranking_snapshots_no_update BEFORE UPDATE ON ranking_snapshots
BEGIN SELECT RAISE(ABORT, 'ranking_snapshots is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_ranking_snapshots_no_delete BEFORE DELETE ON ranking_snapshots
BEGIN SELECT RAISE(ABORT, 'ranking_snapshots is append-only: DELETE is not allowed'); END;
CREATE TRIGGER tr_ranking_snapshot_rows_no_update BEFORE UPDATE ON ranking_snapshot_rows
BEGIN SELECT RAISE(ABORT, 'ranking_snapshot_rows is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_ranking_snapshot_rows_no_delete BEFORE DELETE ON ranking_snapshot_rows
BEGIN SELECT RAISE(ABORT, 'ranking_snapshot_rows is append-only: DELETE is not allowed'); END;
