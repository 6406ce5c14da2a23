-- PointsBank ledger schema for SQL Server (the production engine).
-- Apply with `PointsBank migrate` under a login that may create objects, or by hand with sqlcmd (batches split on GO).
-- Times are UTC datetime2(3). Points are bigint. Idempotency keys compare byte for byte (binary collation),
-- as they do on SQLite: 'A1' and 'a1' are different keys.

CREATE TABLE dbo.communities (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_communities PRIMARY KEY,
    code            nvarchar(64)  NOT NULL CONSTRAINT ux_communities_code UNIQUE,
    name            nvarchar(200) NOT NULL,
    time_zone       nvarchar(64)  NOT NULL CONSTRAINT df_communities_time_zone DEFAULT N'Asia/Shanghai',
    account_mode    nvarchar(16)  NOT NULL CONSTRAINT df_communities_account_mode DEFAULT N'household'
                    CONSTRAINT ck_communities_account_mode CHECK (account_mode IN (N'household', N'person')),
    penalty_policy  nvarchar(16)  NOT NULL CONSTRAINT df_communities_penalty_policy DEFAULT N'cap'
                    CONSTRAINT ck_communities_penalty_policy CHECK (penalty_policy IN (N'cap', N'allow_negative')),
    is_active       bit           NOT NULL CONSTRAINT df_communities_is_active DEFAULT 1,
    created_at      datetime2(3)  NOT NULL
);
GO

CREATE TABLE dbo.grids (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_grids PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_grids_community REFERENCES dbo.communities (id),
    name            nvarchar(200) NOT NULL,
    is_active       bit           NOT NULL CONSTRAINT df_grids_is_active DEFAULT 1,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT ux_grids_name UNIQUE (community_id, name)
);
GO

CREATE TABLE dbo.households (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_households PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_households_community REFERENCES dbo.communities (id),
    grid_id         bigint        NULL CONSTRAINT fk_households_grid REFERENCES dbo.grids (id),
    code            nvarchar(64)  NOT NULL,
    address         nvarchar(400) NOT NULL CONSTRAINT df_households_address DEFAULT N'',
    is_active       bit           NOT NULL CONSTRAINT df_households_is_active DEFAULT 1,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT ux_households_code UNIQUE (community_id, code)
);
GO

CREATE TABLE dbo.residents (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_residents PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_residents_community REFERENCES dbo.communities (id),
    household_id    bigint        NULL CONSTRAINT fk_residents_household REFERENCES dbo.households (id),
    full_name       nvarchar(100) NOT NULL,
    phone           nvarchar(32)  NULL,
    is_active       bit           NOT NULL CONSTRAINT df_residents_is_active DEFAULT 1,
    created_at      datetime2(3)  NOT NULL
);
CREATE INDEX ix_residents_household ON dbo.residents (household_id);
GO

CREATE TABLE dbo.shops (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_shops PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_shops_community REFERENCES dbo.communities (id),
    name            nvarchar(200) NOT NULL,
    is_active       bit           NOT NULL CONSTRAINT df_shops_is_active DEFAULT 1,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT ux_shops_name UNIQUE (community_id, name)
);
GO

CREATE TABLE dbo.accounts (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_accounts PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_accounts_community REFERENCES dbo.communities (id),
    kind            nvarchar(16)  NOT NULL CONSTRAINT ck_accounts_kind CHECK (kind IN (N'household', N'person', N'shop', N'system')),
    household_id    bigint        NULL CONSTRAINT fk_accounts_household REFERENCES dbo.households (id),
    resident_id     bigint        NULL CONSTRAINT fk_accounts_resident REFERENCES dbo.residents (id),
    shop_id         bigint        NULL CONSTRAINT fk_accounts_shop REFERENCES dbo.shops (id),
    system_code     nvarchar(16)  NULL CONSTRAINT ck_accounts_system_code CHECK (system_code IN (N'issuance', N'redeemed', N'penalty', N'expired')),
    name            nvarchar(200) NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT ck_accounts_owner CHECK (
           (kind = N'household' AND household_id IS NOT NULL AND resident_id IS NULL AND shop_id IS NULL AND system_code IS NULL)
        OR (kind = N'person'    AND resident_id IS NOT NULL AND household_id IS NULL AND shop_id IS NULL AND system_code IS NULL)
        OR (kind = N'shop'      AND shop_id IS NOT NULL AND household_id IS NULL AND resident_id IS NULL AND system_code IS NULL)
        OR (kind = N'system'    AND system_code IS NOT NULL AND household_id IS NULL AND resident_id IS NULL AND shop_id IS NULL))
);
CREATE UNIQUE INDEX ux_accounts_system    ON dbo.accounts (community_id, system_code) WHERE system_code IS NOT NULL;
CREATE UNIQUE INDEX ux_accounts_household ON dbo.accounts (household_id) WHERE household_id IS NOT NULL;
CREATE UNIQUE INDEX ux_accounts_resident  ON dbo.accounts (resident_id) WHERE resident_id IS NOT NULL;
CREATE UNIQUE INDEX ux_accounts_shop      ON dbo.accounts (shop_id) WHERE shop_id IS NOT NULL;
GO

CREATE TABLE dbo.ledger_transactions (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_ledger_transactions PRIMARY KEY,
    community_id    bigint         NOT NULL CONSTRAINT fk_ledger_transactions_community REFERENCES dbo.communities (id),
    seq             bigint         NOT NULL CONSTRAINT ck_ledger_transactions_seq CHECK (seq > 0),
    kind            nvarchar(16)   NOT NULL CONSTRAINT ck_ledger_transactions_kind
                    CHECK (kind IN (N'award', N'deduct', N'redeem', N'reverse', N'expire', N'adjust')),
    category        nvarchar(64)   NOT NULL,
    idempotency_key nvarchar(200)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    request_hash    char(64)       NOT NULL,
    rule_code       nvarchar(64)   NULL,
    rule_version    int            NULL,
    facts           nvarchar(max)  NOT NULL,
    explanation     nvarchar(2000) NOT NULL,
    actor           nvarchar(200)  NOT NULL,
    member_id       bigint         NULL CONSTRAINT fk_ledger_transactions_member REFERENCES dbo.residents (id),
    minutes         int            NULL,
    reverses_seq    bigint         NULL,
    occurred_at     datetime2(3)   NOT NULL,
    prev_hash       char(64)       NOT NULL,
    hash            char(64)       NOT NULL,
    CONSTRAINT ux_ledger_transactions_seq UNIQUE (community_id, seq),
    CONSTRAINT ux_ledger_transactions_key UNIQUE (community_id, idempotency_key)
);
CREATE UNIQUE INDEX ux_ledger_transactions_reverses ON dbo.ledger_transactions (community_id, reverses_seq) WHERE reverses_seq IS NOT NULL;
GO

CREATE TABLE dbo.ledger_postings (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_ledger_postings PRIMARY KEY,
    transaction_id  bigint NOT NULL CONSTRAINT fk_ledger_postings_transaction REFERENCES dbo.ledger_transactions (id),
    line_no         int    NOT NULL,
    account_id      bigint NOT NULL CONSTRAINT fk_ledger_postings_account REFERENCES dbo.accounts (id),
    amount          bigint NOT NULL,
    CONSTRAINT ux_ledger_postings_line UNIQUE (transaction_id, line_no)
);
CREATE INDEX ix_ledger_postings_account ON dbo.ledger_postings (account_id, transaction_id);
GO

CREATE TRIGGER dbo.tr_ledger_transactions_append_only ON dbo.ledger_transactions
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51000, N'ledger_transactions is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

CREATE TRIGGER dbo.tr_ledger_postings_append_only ON dbo.ledger_postings
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51001, N'ledger_postings is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

CREATE TABLE dbo.chain_heads (
    community_id    bigint       NOT NULL CONSTRAINT pk_chain_heads PRIMARY KEY
                    CONSTRAINT fk_chain_heads_community REFERENCES dbo.communities (id),
    last_seq        bigint       NOT NULL CONSTRAINT df_chain_heads_last_seq DEFAULT 0,
    last_hash       char(64)     NOT NULL,
    updated_at      datetime2(3) NOT NULL
);
GO

CREATE TABLE dbo.balances (
    account_id      bigint NOT NULL CONSTRAINT pk_balances PRIMARY KEY CONSTRAINT fk_balances_account REFERENCES dbo.accounts (id),
    community_id    bigint NOT NULL CONSTRAINT fk_balances_community REFERENCES dbo.communities (id),
    balance         bigint NOT NULL CONSTRAINT df_balances_balance DEFAULT 0,
    held            bigint NOT NULL CONSTRAINT df_balances_held DEFAULT 0 CONSTRAINT ck_balances_held CHECK (held >= 0),
    last_seq        bigint NOT NULL CONSTRAINT df_balances_last_seq DEFAULT 0
);
GO

CREATE TABLE dbo.monthly_aggregates (
    community_id      bigint       NOT NULL CONSTRAINT fk_monthly_aggregates_community REFERENCES dbo.communities (id),
    account_id        bigint       NOT NULL CONSTRAINT fk_monthly_aggregates_account REFERENCES dbo.accounts (id),
    member_id         bigint       NOT NULL CONSTRAINT df_monthly_aggregates_member DEFAULT 0,
    category          nvarchar(64) NOT NULL,
    month             char(7)      NOT NULL,
    earned            bigint       NOT NULL CONSTRAINT df_monthly_aggregates_earned DEFAULT 0,
    deducted          bigint       NOT NULL CONSTRAINT df_monthly_aggregates_deducted DEFAULT 0,
    redeemed          bigint       NOT NULL CONSTRAINT df_monthly_aggregates_redeemed DEFAULT 0,
    volunteer_minutes bigint       NOT NULL CONSTRAINT df_monthly_aggregates_minutes DEFAULT 0,
    CONSTRAINT pk_monthly_aggregates PRIMARY KEY (account_id, member_id, category, month)
);
CREATE INDEX ix_monthly_aggregates_month ON dbo.monthly_aggregates (community_id, month);
GO

CREATE TABLE dbo.holds (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_holds PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_holds_community REFERENCES dbo.communities (id),
    account_id      bigint        NOT NULL CONSTRAINT fk_holds_account REFERENCES dbo.accounts (id),
    amount          bigint        NOT NULL CONSTRAINT ck_holds_amount CHECK (amount > 0),
    status          nvarchar(16)  NOT NULL CONSTRAINT ck_holds_status CHECK (status IN (N'open', N'captured', N'released')),
    reference       nvarchar(200) NOT NULL,
    actor           nvarchar(200) NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    expires_at      datetime2(3)  NULL,
    closed_at       datetime2(3)  NULL,
    captured_seq    bigint        NULL
);
CREATE INDEX ix_holds_account ON dbo.holds (account_id, status);
GO

CREATE TABLE dbo.idempotency_keys (
    community_id    bigint        NOT NULL CONSTRAINT fk_idempotency_keys_community REFERENCES dbo.communities (id),
    idempotency_key nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    request_hash    char(64)      NOT NULL,
    command         nvarchar(64)  NOT NULL,
    result_id       bigint        NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    CONSTRAINT pk_idempotency_keys PRIMARY KEY (community_id, idempotency_key)
);
GO

-- The application's database role: the journal is INSERT/SELECT only; projections and state may change.
IF DATABASE_PRINCIPAL_ID(N'pointsbank_app') IS NULL
    CREATE ROLE pointsbank_app;
GO

GRANT SELECT, INSERT ON dbo.ledger_transactions TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.ledger_postings TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.ledger_transactions TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.ledger_postings TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.communities TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.grids TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.households TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.residents TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.shops TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.accounts TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.chain_heads TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.balances TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.monthly_aggregates TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.holds TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.idempotency_keys TO pointsbank_app;
-- /health/ready reads the migration history; the migrator creates it before this script runs.
IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NOT NULL
    GRANT SELECT ON dbo.schema_migrations TO pointsbank_app;
GO
