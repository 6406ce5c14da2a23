-- PointsBank ledger schema for SQLite (the embedded default).
-- Times are UTC with millisecond precision, stored as text 'yyyy-MM-dd HH:mm:ss[.FFF]' (trailing zeros of the
-- fraction dropped). Points are integers.

CREATE TABLE communities (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    time_zone       TEXT    NOT NULL DEFAULT 'Asia/Shanghai',
    account_mode    TEXT    NOT NULL DEFAULT 'household' CHECK (account_mode IN ('household', 'person')),
    penalty_policy  TEXT    NOT NULL DEFAULT 'cap' CHECK (penalty_policy IN ('cap', 'allow_negative')),
    is_active       INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL
);

CREATE TABLE grids (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    name            TEXT    NOT NULL,
    is_active       INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE households (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    grid_id         INTEGER NULL REFERENCES grids (id),
    code            TEXT    NOT NULL,
    address         TEXT    NOT NULL DEFAULT '',
    is_active       INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    UNIQUE (community_id, code)
);

CREATE TABLE residents (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    household_id    INTEGER NULL REFERENCES households (id),
    full_name       TEXT    NOT NULL,
    phone           TEXT    NULL,
    is_active       INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL
);
CREATE INDEX ix_residents_household ON residents (household_id);

CREATE TABLE shops (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    name            TEXT    NOT NULL,
    is_active       INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('household', 'person', 'shop', 'system')),
    household_id    INTEGER NULL REFERENCES households (id),
    resident_id     INTEGER NULL REFERENCES residents (id),
    shop_id         INTEGER NULL REFERENCES shops (id),
    system_code     TEXT    NULL CHECK (system_code IN ('issuance', 'redeemed', 'penalty', 'expired')),
    name            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    CHECK ((kind = 'household' AND household_id IS NOT NULL AND resident_id IS NULL AND shop_id IS NULL AND system_code IS NULL)
        OR (kind = 'person'    AND resident_id IS NOT NULL AND household_id IS NULL AND shop_id IS NULL AND system_code IS NULL)
        OR (kind = 'shop'      AND shop_id IS NOT NULL AND household_id IS NULL AND resident_id IS NULL AND system_code IS NULL)
        OR (kind = 'system'    AND system_code IS NOT NULL AND household_id IS NULL AND resident_id IS NULL AND shop_id IS NULL))
);
CREATE UNIQUE INDEX ux_accounts_system    ON accounts (community_id, system_code) WHERE system_code IS NOT NULL;
CREATE UNIQUE INDEX ux_accounts_household ON accounts (household_id) WHERE household_id IS NOT NULL;
CREATE UNIQUE INDEX ux_accounts_resident  ON accounts (resident_id) WHERE resident_id IS NOT NULL;
CREATE UNIQUE INDEX ux_accounts_shop      ON accounts (shop_id) WHERE shop_id IS NOT NULL;

-- The journal. Append-only: see the triggers below.
CREATE TABLE ledger_transactions (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    kind            TEXT    NOT NULL CHECK (kind IN ('award', 'deduct', 'redeem', 'reverse', 'expire', 'adjust')),
    category        TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    rule_code       TEXT    NULL,
    rule_version    INTEGER NULL,
    facts           TEXT    NOT NULL,
    explanation     TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    member_id       INTEGER NULL REFERENCES residents (id),
    minutes         INTEGER NULL,
    reverses_seq    INTEGER NULL,
    occurred_at     TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL,
    UNIQUE (community_id, seq),
    UNIQUE (community_id, idempotency_key)
);
-- A transaction can be reversed once.
CREATE UNIQUE INDEX ux_ledger_transactions_reverses ON ledger_transactions (community_id, reverses_seq) WHERE reverses_seq IS NOT NULL;

CREATE TABLE ledger_postings (
    id              INTEGER PRIMARY KEY,
    transaction_id  INTEGER NOT NULL REFERENCES ledger_transactions (id),
    line_no         INTEGER NOT NULL,
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    amount          INTEGER NOT NULL,
    UNIQUE (transaction_id, line_no)
);
CREATE INDEX ix_ledger_postings_account ON ledger_postings (account_id, transaction_id);

CREATE TRIGGER tr_ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions
BEGIN SELECT RAISE(ABORT, 'ledger_transactions is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
BEGIN SELECT RAISE(ABORT, 'ledger_transactions is append-only: DELETE is not allowed'); END;
CREATE TRIGGER tr_ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only: DELETE is not allowed'); END;

-- Per-community head of the hash chain; locking this row serializes posting in a community.
CREATE TABLE chain_heads (
    community_id    INTEGER PRIMARY KEY REFERENCES communities (id),
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_hash       TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

-- Projections, updated in the same database transaction as the postings.
CREATE TABLE balances (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts (id),
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    balance         INTEGER NOT NULL DEFAULT 0,
    held            INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
    last_seq        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE monthly_aggregates (
    community_id      INTEGER NOT NULL REFERENCES communities (id),
    account_id        INTEGER NOT NULL REFERENCES accounts (id),
    member_id         INTEGER NOT NULL DEFAULT 0,
    category          TEXT    NOT NULL,
    month             TEXT    NOT NULL,
    earned            INTEGER NOT NULL DEFAULT 0,
    deducted          INTEGER NOT NULL DEFAULT 0,
    redeemed          INTEGER NOT NULL DEFAULT 0,
    volunteer_minutes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, member_id, category, month)
);
CREATE INDEX ix_monthly_aggregates_month ON monthly_aggregates (community_id, month);

-- Reservations of points (redemption vouchers). Mutable state, not ledger entries.
CREATE TABLE holds (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    account_id      INTEGER NOT NULL REFERENCES accounts (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    status          TEXT    NOT NULL CHECK (status IN ('open', 'captured', 'released')),
    reference       TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    expires_at      TEXT    NULL,
    closed_at       TEXT    NULL,
    captured_seq    INTEGER NULL
);
CREATE INDEX ix_holds_account ON holds (account_id, status);

-- Idempotency of commands that are not a single ledger transaction (holds, later vouchers and claims).
-- A ledger transaction carries its own key in ledger_transactions.
CREATE TABLE idempotency_keys (
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    command         TEXT    NOT NULL,
    result_id       INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (community_id, idempotency_key)
);
