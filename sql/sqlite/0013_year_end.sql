-- 年终: one row per community and closed year, written by the year-end step (job or `year-end` verb) the first time it
-- closes that year, whatever the policy (carry_forward and non_redeemable_base post nothing). The expire transactions
-- themselves are in the ledger, keyed per account and year; this row is what the job looks at to know a year is done.
CREATE TABLE year_ends (
    community_id INTEGER NOT NULL REFERENCES communities (id),
    year         INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    policy       TEXT    NOT NULL CHECK (policy IN ('carry_forward', 'zero', 'non_redeemable_base')),
    accounts     INTEGER NOT NULL CHECK (accounts >= 0),
    points       INTEGER NOT NULL CHECK (points >= 0),
    closed_at    TEXT    NOT NULL,
    closed_by    TEXT    NOT NULL,
    PRIMARY KEY (community_id, year)
);
