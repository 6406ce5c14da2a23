-- Monthly totals (issue 10, DESIGN §12): one row per member account, member and month — the month's aggregates summed
-- over their categories — written by the ledger in the same transaction as every posting, beside monthly_aggregates.
-- The live ranking over all categories reads these (at most one row per account and member, whatever the number of
-- entries or categories), instead of grouping the month's per-category rows on every request; verify checks them
-- against the journal like the aggregates. Clustered on (community, month) so a month's rows are one range.
CREATE TABLE dbo.monthly_totals (
    community_id      bigint  NOT NULL CONSTRAINT fk_monthly_totals_community REFERENCES dbo.communities (id),
    month             char(7) NOT NULL,
    account_id        bigint  NOT NULL CONSTRAINT fk_monthly_totals_account REFERENCES dbo.accounts (id),
    member_id         bigint  NOT NULL CONSTRAINT df_monthly_totals_member DEFAULT 0,
    earned            bigint  NOT NULL CONSTRAINT df_monthly_totals_earned DEFAULT 0,
    deducted          bigint  NOT NULL CONSTRAINT df_monthly_totals_deducted DEFAULT 0,
    redeemed          bigint  NOT NULL CONSTRAINT df_monthly_totals_redeemed DEFAULT 0,
    volunteer_minutes bigint  NOT NULL CONSTRAINT df_monthly_totals_minutes DEFAULT 0,
    CONSTRAINT pk_monthly_totals PRIMARY KEY CLUSTERED (community_id, month, account_id, member_id)
);
GO

-- A database from before this migration: its totals are its aggregates' sums.
INSERT INTO dbo.monthly_totals (community_id, month, account_id, member_id, earned, deducted, redeemed, volunteer_minutes)
SELECT community_id, month, account_id, member_id, SUM(earned), SUM(deducted), SUM(redeemed), SUM(volunteer_minutes)
  FROM dbo.monthly_aggregates
 GROUP BY community_id, month, account_id, member_id;
GO

GRANT SELECT, INSERT, UPDATE ON dbo.monthly_totals TO pointsbank_app;
GO
