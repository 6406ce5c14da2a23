-- Claims (申报 → 审核 → 公示 → 入账, DESIGN §6). A claim is submitted with the rule (code and the version current at
-- submission), the facts, the day it happened, an evidence note and the member who did it; a reviewer who is not the
-- submitter approves or rejects it with a reason; an approved claim is listed publicly until notice_until and posts
-- when that passes without a sustained objection (posted_seq, under the derived ledger key claim-<id>). Every state
-- change is a conditional UPDATE (WHERE status = …); rows are never deleted.
CREATE TABLE dbo.claims (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_claims PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_claims_community REFERENCES dbo.communities (id),
    account_id         bigint         NOT NULL CONSTRAINT fk_claims_account REFERENCES dbo.accounts (id),
    member_id          bigint         NULL CONSTRAINT fk_claims_member REFERENCES dbo.residents (id),
    rule_code          nvarchar(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    rule_version       int            NOT NULL,
    facts_json         nvarchar(max)  NOT NULL,
    occurred_on        date           NOT NULL,
    evidence_note      nvarchar(500)  NULL,
    status             nvarchar(16)   NOT NULL CONSTRAINT ck_claims_status
        CHECK (status IN (N'submitted', N'rejected', N'noticed', N'posted', N'withdrawn', N'objected')),
    submitted_by_user  bigint         NULL,
    submitted_by       nvarchar(200)  NOT NULL,
    submitted_at       datetime2(3)   NOT NULL,
    reviewed_by_user   bigint         NULL,
    reviewed_by        nvarchar(200)  NULL,
    reviewed_at        datetime2(3)   NULL,
    review_note        nvarchar(500)  NULL,
    notice_until       datetime2(3)   NULL,
    posted_seq         bigint         NULL,
    posted_at          datetime2(3)   NULL,
    post_failure       nvarchar(1000) NULL
);
CREATE INDEX ix_claims_status ON dbo.claims (community_id, status, notice_until);
GO

-- An objection to a claim in its 公示 window: who, why, and the committee's decision with its reason.
CREATE TABLE dbo.claim_objections (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_claim_objections PRIMARY KEY,
    community_id       bigint         NOT NULL CONSTRAINT fk_claim_objections_community REFERENCES dbo.communities (id),
    claim_id           bigint         NOT NULL CONSTRAINT fk_claim_objections_claim REFERENCES dbo.claims (id),
    by_user            bigint         NULL,
    by_actor           nvarchar(200)  NOT NULL,
    reason             nvarchar(500)  NOT NULL,
    created_at         datetime2(3)   NOT NULL,
    decision           nvarchar(16)   NULL CONSTRAINT ck_claim_objections_decision CHECK (decision IN (N'sustained', N'dismissed')),
    decided_by         nvarchar(200)  NULL,
    decided_at         datetime2(3)   NULL,
    decision_reason    nvarchar(500)  NULL
);
CREATE INDEX ix_claim_objections_claim ON dbo.claim_objections (claim_id, decision);
GO

GRANT SELECT, INSERT, UPDATE ON dbo.claims TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.claim_objections TO pointsbank_app;
DENY DELETE ON dbo.claims TO pointsbank_app;
DENY DELETE ON dbo.claim_objections TO pointsbank_app;
GO
