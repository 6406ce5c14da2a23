-- The rule catalogue (积分细则), versioned per community. Append-only: an edit adds a rule version under a new
-- catalogue version (the adoption record: which meeting adopted it, when); old versions stay, so every entry can
-- be explained by the version that produced it.

-- One adoption: version 1 is the default catalogue loaded with the community ("系统默认细则").
CREATE TABLE rule_catalogue_versions (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    version            INTEGER NOT NULL CHECK (version > 0),
    adopted_on         TEXT    NOT NULL,
    adopted_by_meeting TEXT    NOT NULL,
    note               TEXT    NULL,
    recorded_by        TEXT    NOT NULL,
    recorded_at        TEXT    NOT NULL,
    UNIQUE (community_id, version)
);

-- One version of one rule; definition_json is the rule as RuleJson writes it (docs/rules.md).
CREATE TABLE rule_versions (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities (id),
    code               TEXT    NOT NULL,
    version            INTEGER NOT NULL CHECK (version > 0),
    catalogue_version  INTEGER NOT NULL,
    definition_json    TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    UNIQUE (community_id, code, version),
    FOREIGN KEY (community_id, catalogue_version) REFERENCES rule_catalogue_versions (community_id, version)
);

CREATE TRIGGER tr_rule_catalogue_versions_no_update BEFORE UPDATE ON rule_catalogue_versions
BEGIN SELECT RAISE(ABORT, 'rule_catalogue_versions is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_rule_catalogue_versions_no_delete BEFORE DELETE ON rule_catalogue_versions
BEGIN SELECT RAISE(ABORT, 'rule_catalogue_versions is append-only: DELETE is not allowed'); END;
CREATE TRIGGER tr_rule_versions_no_update BEFORE UPDATE ON rule_versions
BEGIN SELECT RAISE(ABORT, 'rule_versions is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER tr_rule_versions_no_delete BEFORE DELETE ON rule_versions
BEGIN SELECT RAISE(ABORT, 'rule_versions is append-only: DELETE is not allowed'); END;
