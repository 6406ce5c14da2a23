-- Community policy (积分政策) beside the settings that exist already: account_mode, penalty_policy (0001) and
-- backdate_days (0003). One row per community, so the policy lives on communities; its changes are recorded in
-- entity_changes as updates of the community (entity 'community', before/after {"policy": …}).

-- 公示 window: days an approved claim is listed before it posts (0: it posts on approval).
ALTER TABLE dbo.communities ADD notice_days int NOT NULL
    CONSTRAINT df_communities_notice_days DEFAULT 3
    CONSTRAINT ck_communities_notice_days CHECK (notice_days BETWEEN 0 AND 90);
GO

-- Year-end policy: stored now, applied by a later issue. year_end_base is the non-redeemable base in points.
ALTER TABLE dbo.communities ADD year_end nvarchar(32) NOT NULL
    CONSTRAINT df_communities_year_end DEFAULT N'carry_forward'
    CONSTRAINT ck_communities_year_end CHECK (year_end IN (N'carry_forward', N'zero', N'non_redeemable_base'));
GO
ALTER TABLE dbo.communities ADD year_end_base bigint NOT NULL
    CONSTRAINT df_communities_year_end_base DEFAULT 0
    CONSTRAINT ck_communities_year_end_base CHECK (year_end_base BETWEEN 0 AND 1000000);
GO

-- Points-to-yuan rate for funding reports, exact: yuan per point × 10 000 (5000 = ¥0.5 per point). Never a float.
ALTER TABLE dbo.communities ADD yuan_per_point_e4 bigint NOT NULL
    CONSTRAINT df_communities_yuan_per_point_e4 DEFAULT 10000
    CONSTRAINT ck_communities_yuan_per_point_e4 CHECK (yuan_per_point_e4 BETWEEN 0 AND 100000000);
GO

-- Transfers (赠送): off by default; to family (same household) only, or to anyone in the community.
ALTER TABLE dbo.communities ADD transfers_allowed bit NOT NULL
    CONSTRAINT df_communities_transfers_allowed DEFAULT 0;
GO
ALTER TABLE dbo.communities ADD transfer_scope nvarchar(16) NOT NULL
    CONSTRAINT df_communities_transfer_scope DEFAULT N'family'
    CONSTRAINT ck_communities_transfer_scope CHECK (transfer_scope IN (N'family', N'community'));
GO
