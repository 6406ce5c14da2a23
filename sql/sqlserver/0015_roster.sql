-- 个人信息保护 (issue 11 item 8): one row per erasure of a departed resident's name and phone, who did it and when.
-- The resident row keeps its id (the ledger's rows point at ids, never at names); its name becomes a placeholder and
-- its earlier change-history rows are redacted in the same transaction (docs/personal-data.md).
CREATE TABLE dbo.personal_data_erasures (
    id              bigint IDENTITY(1,1) NOT NULL CONSTRAINT pk_personal_data_erasures PRIMARY KEY,
    community_id    bigint        NOT NULL CONSTRAINT fk_personal_data_erasures_community REFERENCES dbo.communities (id),
    resident_id     bigint        NOT NULL CONSTRAINT fk_personal_data_erasures_resident REFERENCES dbo.residents (id),
    erased_at       datetime2(3)  NOT NULL,
    erased_by       nvarchar(200) NOT NULL,
    history_rows    int           NOT NULL CONSTRAINT ck_personal_data_erasures_rows CHECK (history_rows >= 0),
    CONSTRAINT uq_personal_data_erasures UNIQUE (community_id, resident_id)
);
GO
GRANT SELECT, INSERT ON dbo.personal_data_erasures TO pointsbank_app;
-- Erasure redacts the name and phone in a resident's earlier history rows: the app may rewrite those two columns
-- only (no DELETE; the rows, their actor and time stay).
GRANT UPDATE (before_json, after_json) ON dbo.entity_changes TO pointsbank_app;
GO
