-- Monthly totals (issue 10, DESIGN §12): one row per member account, member and month — the month's aggregates summed
-- over their categories — written by the ledger in the same transaction as every posting, beside monthly_aggregates.
-- The live ranking over all categories reads these (at most one row per account and member, whatever the number of
-- entries or categories), instead of grouping the month's per-category rows on every request; verify checks them
-- against the journal like the aggregates. Clustered on (community, month) so a month's rows are one range.
CREATE TABLE monthly_totals (
    community_id      INTEGER NOT NULL REFERENCES communities (id),
    month             TEXT    NOT NULL,
    account_id        INTEGER NOT NULL REFERENCES accounts (id),
    member_id         INTEGER NOT NULL DEFAULT 0,
    earned            INTEGER NOT NULL DEFAULT 0,
    deducted          INTEGER NOT NULL DEFAULT 0,
    redeemed          INTEGER NOT NULL DEFAULT 0,
    volunteer_minutes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, month, account_id, member_id)
) WITHOUT ROWID;

-- A database from before this migration: its totals are its aggregates' sums.
INSERT INTO monthly_totals (community_id, month, account_id, member_id, earned, deducted, redeemed, volunteer_minutes)
SELECT community_id, month, account_id, member_id, SUM(earned), SUM(deducted), SUM(redeemed), SUM(volunteer_minutes)
  FROM monthly_aggregates
 GROUP BY community_id, month, account_id, member_id;
