-- Several app instances on one database (issue 11, item 5) and the township view (item 6).

-- 数据保护密钥: the data-protection key ring (sign-in cookies, sealed card tokens) lives in the database, so every
-- instance behind a load balancer reads the same keys. One row per XML element the key manager stores (a key or a
-- revocation); rows are only ever added.
CREATE TABLE dbo.data_protection_keys (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_data_protection_keys PRIMARY KEY,
    friendly_name   nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT ux_data_protection_keys_name UNIQUE,
    xml             nvarchar(max) NOT NULL,
    created_at      datetime2(3)  NOT NULL
);
GO

-- 任务租约: installation-wide jobs whose step is not a conditional statement of its own (the backup, the key ring's
-- next key) run on one instance at a time: a run claims its row with one conditional UPDATE (expired lease → mine).
CREATE TABLE dbo.job_leases (
    name            nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT pk_job_leases PRIMARY KEY,
    holder          nvarchar(200) NOT NULL,
    expires_at      datetime2(3)  NOT NULL
);
GO
INSERT INTO dbo.job_leases (name, holder, expires_at) VALUES (N'backup', N'', '2000-01-01T00:00:00.000');
INSERT INTO dbo.job_leases (name, holder, expires_at) VALUES (N'data-protection-keys', N'', '2000-01-01T00:00:00.000');
GO

-- 镇/街道: a read-only role over several communities (one grant per community) that sees the township summary — totals
-- per community, no personal data.
ALTER TABLE dbo.user_roles DROP CONSTRAINT ck_user_roles_role;
GO
ALTER TABLE dbo.user_roles ADD CONSTRAINT ck_user_roles_role
    CHECK (role IN (N'admin', N'committee', N'reviewer', N'inspector', N'organizer', N'shopkeeper', N'township'));
GO

GRANT SELECT, INSERT ON dbo.data_protection_keys TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.data_protection_keys TO pointsbank_app;
GRANT SELECT, UPDATE ON dbo.job_leases TO pointsbank_app;
GO
