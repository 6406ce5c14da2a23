-- Claims (申报 → 审核 → 公示 → 入账, DESIGN §6). A claim is submitted with the rule (code and the version current at
-- submission), the facts, the day it happened, an evidence note and the member who did it; a reviewer who is not the
-- submitter approves or rejects it with a reason; an approved claim is listed publicly until notice_until and posts
-- when that passes without a sustained objection (posted_seq, under the derived ledger key claim-<id>). Every state
-- change is a conditional UPDATE (WHERE status = …); rows are never deleted.
CREATE TABLE claims (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    account_id         INTEGER NOT NULL REFERENCES accounts (id),
    member_id          INTEGER NULL REFERENCES residents (id),
    rule_code          TEXT    NOT NULL,
    rule_version       INTEGER NOT NULL,
    facts_json         TEXT    NOT NULL,
    occurred_on        TEXT    NOT NULL,
    evidence_note      TEXT    NULL,
    status             TEXT    NOT NULL CHECK (status IN ('submitted', 'rejected', 'noticed', 'posted', 'withdrawn', 'objected')),
    submitted_by_user  INTEGER NULL,
    submitted_by       TEXT    NOT NULL,
    submitted_at       TEXT    NOT NULL,
    reviewed_by_user   INTEGER NULL,
    reviewed_by        TEXT    NULL,
    reviewed_at        TEXT    NULL,
    review_note        TEXT    NULL,
    notice_until       TEXT    NULL,
    posted_seq         INTEGER NULL,
    posted_at          TEXT    NULL,
    post_failure       TEXT    NULL
);
CREATE INDEX ix_claims_status ON claims (community_id, status, notice_until);

-- An objection to a claim in its 公示 window: who, why, and the committee's decision with its reason.
CREATE TABLE claim_objections (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    claim_id           INTEGER NOT NULL REFERENCES claims (id),
    by_user            INTEGER NULL,
    by_actor           TEXT    NOT NULL,
    reason             TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    decision           TEXT    NULL CHECK (decision IN ('sustained', 'dismissed')),
    decided_by         TEXT    NULL,
    decided_at         TEXT    NULL,
    decision_reason    TEXT    NULL
);
CREATE INDEX ix_claim_objections_claim ON claim_objections (claim_id, decision);

CREATE TRIGGER tr_claims_no_delete BEFORE DELETE ON claims
BEGIN SELECT RAISE(ABORT, 'claims are never deleted: a claim is rejected, withdrawn or objected instead'); END;
CREATE TRIGGER tr_claim_objections_no_delete BEFORE DELETE ON claim_objections
BEGIN SELECT RAISE(ABORT, 'claim_objections are never deleted'); END;
