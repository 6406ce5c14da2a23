-- Users, roles per community, API tokens, the audit log and the history of roster changes.

CREATE TABLE dbo.users (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_users PRIMARY KEY,
    username        nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ux_users_username UNIQUE,
    display_name    nvarchar(100) NOT NULL,
    password_hash   nvarchar(200) NULL,
    is_active       bit           NOT NULL CONSTRAINT df_users_is_active DEFAULT 1,
    failed_logins   int           NOT NULL CONSTRAINT df_users_failed_logins DEFAULT 0,
    locked_until    datetime2(3)  NULL,
    created_at      datetime2(3)  NOT NULL,
    created_by      nvarchar(200) NOT NULL
);
GO

CREATE TABLE dbo.user_roles (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_user_roles PRIMARY KEY,
    user_id         bigint        NOT NULL CONSTRAINT fk_user_roles_user REFERENCES dbo.users (id),
    community_id    bigint        NULL CONSTRAINT fk_user_roles_community REFERENCES dbo.communities (id),
    role            nvarchar(16)  NOT NULL CONSTRAINT ck_user_roles_role
                    CHECK (role IN (N'admin', N'committee', N'reviewer', N'inspector', N'organizer', N'shopkeeper')),
    grid_id         bigint        NULL CONSTRAINT fk_user_roles_grid REFERENCES dbo.grids (id),
    shop_id         bigint        NULL CONSTRAINT fk_user_roles_shop REFERENCES dbo.shops (id),
    granted_at      datetime2(3)  NOT NULL,
    granted_by      nvarchar(200) NOT NULL,
    revoked_at      datetime2(3)  NULL,
    revoked_by      nvarchar(200) NULL,
    CONSTRAINT ck_user_roles_system_admin CHECK (community_id IS NOT NULL OR role = N'admin'),
    CONSTRAINT ck_user_roles_shop CHECK (shop_id IS NULL OR role = N'shopkeeper'),
    CONSTRAINT ck_user_roles_shopkeeper CHECK (role <> N'shopkeeper' OR shop_id IS NOT NULL),
    CONSTRAINT ck_user_roles_grid CHECK (grid_id IS NULL OR role = N'inspector')
);
CREATE INDEX ix_user_roles_user ON dbo.user_roles (user_id);
CREATE INDEX ix_user_roles_community ON dbo.user_roles (community_id);
GO

CREATE TABLE dbo.api_tokens (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_api_tokens PRIMARY KEY,
    user_id         bigint        NOT NULL CONSTRAINT fk_api_tokens_user REFERENCES dbo.users (id),
    name            nvarchar(100) NOT NULL,
    prefix          varchar(32)   COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ux_api_tokens_prefix UNIQUE,
    token_hash      char(64)      NOT NULL,
    created_at      datetime2(3)  NOT NULL,
    expires_at      datetime2(3)  NOT NULL,
    revoked_at      datetime2(3)  NULL,
    last_used_at    datetime2(3)  NULL
);
CREATE INDEX ix_api_tokens_user ON dbo.api_tokens (user_id);
GO

CREATE TABLE dbo.audit_log (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_audit_log PRIMARY KEY,
    occurred_at     datetime2(3)   NOT NULL,
    actor           nvarchar(200)  NOT NULL,
    user_id         bigint         NULL,
    community_id    bigint         NULL,
    action          nvarchar(100)  NOT NULL,
    target          nvarchar(400)  NOT NULL,
    outcome         nvarchar(64)   NOT NULL,
    detail          nvarchar(2000) NOT NULL
);
CREATE INDEX ix_audit_log_community ON dbo.audit_log (community_id, id);
CREATE INDEX ix_audit_log_actor ON dbo.audit_log (actor, id);
GO

CREATE TRIGGER dbo.tr_audit_log_append_only ON dbo.audit_log
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51002, N'audit_log is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

CREATE TABLE dbo.entity_changes (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_entity_changes PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_entity_changes_community REFERENCES dbo.communities (id),
    entity          nvarchar(16)  NOT NULL CONSTRAINT ck_entity_changes_entity
                    CHECK (entity IN (N'community', N'grid', N'household', N'resident', N'shop')),
    entity_id       bigint        NOT NULL,
    change          nvarchar(16)  NOT NULL CONSTRAINT ck_entity_changes_change
                    CHECK (change IN (N'create', N'update', N'deactivate', N'reactivate')),
    actor           nvarchar(200) NOT NULL,
    changed_at      datetime2(3)  NOT NULL,
    before_json     nvarchar(max) NULL,
    after_json      nvarchar(max) NULL
);
CREATE INDEX ix_entity_changes_entity ON dbo.entity_changes (community_id, entity, entity_id, id);
GO

GRANT SELECT, INSERT, UPDATE ON dbo.users TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.user_roles TO pointsbank_app;
GRANT SELECT, INSERT, UPDATE ON dbo.api_tokens TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.audit_log TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.audit_log TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.entity_changes TO pointsbank_app;
GO
