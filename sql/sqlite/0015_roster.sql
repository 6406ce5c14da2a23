-- 个人信息保护 (issue 11 item 8): one row per erasure of a departed resident's name and phone, who did it and when.
-- The resident row keeps its id (the ledger's rows point at ids, never at names); its name becomes a placeholder and
-- its earlier change-history rows are redacted in the same transaction (docs/personal-data.md).
CREATE TABLE personal_data_erasures (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities (id),
    resident_id     INTEGER NOT NULL REFERENCES residents (id),
    erased_at       TEXT    NOT NULL,
    erased_by       TEXT    NOT NULL,
    history_rows    INTEGER NOT NULL CHECK (history_rows >= 0),
    UNIQUE (community_id, resident_id)
);
