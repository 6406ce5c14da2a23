-- 年终: one row per community and closed year, written by the year-end step (job or `year-end` verb) the first time it
-- closes that year, whatever the policy (carry_forward and non_redeemable_base post nothing). The expire transactions
-- themselves are in the ledger, keyed per account and year; this row is what the job looks at to know a year is done.
CREATE TABLE dbo.year_ends (
    community_id bigint        NOT NULL CONSTRAINT fk_year_ends_community REFERENCES dbo.communities (id),
    year         int           NOT NULL CONSTRAINT ck_year_ends_year CHECK (year BETWEEN 2000 AND 9999),
    policy       nvarchar(32)  NOT NULL CONSTRAINT ck_year_ends_policy CHECK (policy IN (N'carry_forward', N'zero', N'non_redeemable_base')),
    accounts     int           NOT NULL CONSTRAINT ck_year_ends_accounts CHECK (accounts >= 0),
    points       bigint        NOT NULL CONSTRAINT ck_year_ends_points CHECK (points >= 0),
    closed_at    datetime2(3)  NOT NULL,
    closed_by    nvarchar(200) NOT NULL,
    CONSTRAINT pk_year_ends PRIMARY KEY (community_id, year)
);
GO
GRANT SELECT, INSERT, UPDATE ON dbo.year_ends TO pointsbank_app;
GO
