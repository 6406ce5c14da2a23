-- Several app instances on one database (issue 11, item 5) and the township view (item 6).

-- 数据保护密钥: the data-protection key ring (sign-in cookies, sealed card tokens) lives in the database, so every
-- instance behind a load balancer reads the same keys. One row per XML element the key manager stores (a key or a
-- revocation); rows are only ever added.
CREATE TABLE data_protection_keys (
    id              INTEGER PRIMARY KEY,
    friendly_name   TEXT    NOT NULL UNIQUE,
    xml             TEXT    NOT NULL,
    created_at      TEXT    NOT NULL
);

-- 任务租约: installation-wide jobs whose step is not a conditional statement of its own (the backup, the key ring's
-- next key) run on one instance at a time: a run claims its row with one conditional UPDATE (expired lease → mine).
CREATE TABLE job_leases (
    name            TEXT    PRIMARY KEY,
    holder          TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL
);
INSERT INTO job_leases (name, holder, expires_at) VALUES ('backup', '', '2000-01-01 00:00:00.000');
INSERT INTO job_leases (name, holder, expires_at) VALUES ('data-protection-keys', '', '2000-01-01 00:00:00.000');

-- 镇/街道: a read-only role over several communities (one grant per community) that sees the township summary — totals
-- per community, no personal data. SQLite cannot change a CHECK in place, so user_roles is rebuilt with the same rows.
CREATE TABLE user_roles_new (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    community_id    INTEGER NULL REFERENCES communities (id),
    role            TEXT    NOT NULL CHECK (role IN ('admin', 'committee', 'reviewer', 'inspector', 'organizer', 'shopkeeper', 'township')),
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
INSERT INTO user_roles_new (id, user_id, community_id, role, grid_id, shop_id, granted_at, granted_by, revoked_at, revoked_by)
SELECT id, user_id, community_id, role, grid_id, shop_id, granted_at, granted_by, revoked_at, revoked_by FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
CREATE INDEX ix_user_roles_user ON user_roles (user_id);
CREATE INDEX ix_user_roles_community ON user_roles (community_id);
