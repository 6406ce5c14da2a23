-- The rule catalogue (积分细则), versioned per community. Append-only: an edit adds a rule version under a new
-- catalogue version (the adoption record: which meeting adopted it, when); old versions stay, so every entry can
-- be explained by the version that produced it.

-- One adoption: version 1 is the default catalogue loaded with the community ("系统默认细则").
CREATE TABLE dbo.rule_catalogue_versions (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_rule_catalogue_versions PRIMARY KEY,
    community_id       bigint        NOT NULL CONSTRAINT fk_rule_catalogue_versions_community REFERENCES dbo.communities (id),
    version            int           NOT NULL CONSTRAINT ck_rule_catalogue_versions_version CHECK (version > 0),
    adopted_on         date          NOT NULL,
    adopted_by_meeting nvarchar(200) NOT NULL,
    note               nvarchar(1000) NULL,
    recorded_by        nvarchar(200) NOT NULL,
    recorded_at        datetime2(3)  NOT NULL,
    CONSTRAINT ux_rule_catalogue_versions UNIQUE (community_id, version)
);
GO

-- One version of one rule; definition_json is the rule as RuleJson writes it (docs/rules.md).
CREATE TABLE dbo.rule_versions (
    id                 bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_rule_versions PRIMARY KEY,
    community_id       bigint        NOT NULL CONSTRAINT fk_rule_versions_community REFERENCES dbo.communities (id),
    code               nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    version            int           NOT NULL CONSTRAINT ck_rule_versions_version CHECK (version > 0),
    catalogue_version  int           NOT NULL,
    definition_json    nvarchar(max) NOT NULL,
    created_at         datetime2(3)  NOT NULL,
    created_by         nvarchar(200) NOT NULL,
    CONSTRAINT ux_rule_versions UNIQUE (community_id, code, version),
    CONSTRAINT fk_rule_versions_catalogue FOREIGN KEY (community_id, catalogue_version)
        REFERENCES dbo.rule_catalogue_versions (community_id, version)
);
GO

CREATE TRIGGER dbo.tr_rule_catalogue_versions_append_only ON dbo.rule_catalogue_versions
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51010, N'rule_catalogue_versions is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

CREATE TRIGGER dbo.tr_rule_versions_append_only ON dbo.rule_versions
INSTEAD OF UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    THROW 51011, N'rule_versions is append-only: UPDATE and DELETE are not allowed', 1;
END;
GO

GRANT SELECT, INSERT ON dbo.rule_catalogue_versions TO pointsbank_app;
GRANT SELECT, INSERT ON dbo.rule_versions TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.rule_catalogue_versions TO pointsbank_app;
DENY UPDATE, DELETE ON dbo.rule_versions TO pointsbank_app;
GO
