-- Users, roles per community, API tokens, the audit log and the history of roster changes.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    password_hash   TEXT    NULL,
    is_active       INTEGER NOT NULL DEFAULT 1,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT    NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL
);

-- community_id NULL only for role 'admin': a system administrator of the whole installation.
CREATE TABLE user_roles (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    community_id    INTEGER NULL REFERENCES communities (id),
    role            TEXT    NOT NULL CHECK (role IN ('admin', 'committee', 'reviewer', 'inspector', 'organizer', 'shopkeeper')),
    grid_id         INTEGER NULL REFERENCES grids (id),
    shop_id         INTEGER NULL REFERENCES shops (id),
    granted_at      TEXT    NOT NULL,
    granted_by      TEXT    NOT NULL,
    revoked_at      TEXT    NULL,
    revoked_by      TEXT    NULL,
    CHECK (community_id IS NOT NULL OR role = 'admin'),
    CHECK (shop_id IS NULL OR role = 'shopkeeper'),
    CHECK (role <> 'shopkeeper' OR shop_id IS NOT NULL),
    CHECK (grid_id IS NULL OR role = 'inspector')
);
CREATE INDEX ix_user_roles_user ON user_roles (user_id);
CREATE INDEX ix_user_roles_community ON user_roles (community_id);

-- Bearer tokens: only a SHA-256 of the secret is stored; the prefix finds the row.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    name            TEXT    NOT NULL,
    prefix          TEXT    NOT NULL UNIQUE,
    token_hash      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    revoked_at      TEXT    NULL,
    last_used_at    TEXT    NULL
);
CREATE INDEX ix_api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    occurred_at     TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    user_id         INTEGER NULL,
    community_id    INTEGER NULL,
    action          TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    detail          TEXT    NOT NULL
);
CREATE INDEX ix_audit_log_community ON audit_log (community_id, id);
CREATE INDEX ix_audit_log_actor ON audit_log (actor, id);

CREATE TRIGGER tr_audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END;

-- Every create, update and deactivation of a community, grid, household or resident, with before and after.
CREATE TABLE entity_changes (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    entity          TEXT    NOT NULL CHECK (entity IN ('community', 'grid', 'household', 'resident', 'shop')),
    entity_id       INTEGER NOT NULL,
    change          TEXT    NOT NULL CHECK (change IN ('create', 'update', 'deactivate', 'reactivate')),
    actor           TEXT    NOT NULL,
    changed_at      TEXT    NOT NULL,
    before_json     TEXT    NULL,
    after_json      TEXT    NULL
);
CREATE INDEX ix_entity_changes_entity ON entity_changes (community_id, entity, entity_id, id);
