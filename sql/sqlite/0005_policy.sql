-- Community policy (积分政策) beside the settings that exist already: account_mode, penalty_policy (0001) and
-- backdate_days (0003). One row per community, so the policy lives on communities; its changes are recorded in
-- entity_changes as updates of the community (entity 'community', before/after {"policy": …}).

-- 公示 window: days an approved claim is listed before it posts (0: it posts on approval).
ALTER TABLE communities ADD COLUMN notice_days INTEGER NOT NULL DEFAULT 3 CHECK (notice_days BETWEEN 0 AND 90);

-- Year-end policy: stored now, applied by a later issue. year_end_base is the non-redeemable base in points.
ALTER TABLE communities ADD COLUMN year_end TEXT NOT NULL DEFAULT 'carry_forward'
    CHECK (year_end IN ('carry_forward', 'zero', 'non_redeemable_base'));
ALTER TABLE communities ADD COLUMN year_end_base INTEGER NOT NULL DEFAULT 0 CHECK (year_end_base BETWEEN 0 AND 1000000);

-- Points-to-yuan rate for funding reports, exact: yuan per point × 10 000 (5000 = ¥0.5 per point). Never a float.
ALTER TABLE communities ADD COLUMN yuan_per_point_e4 INTEGER NOT NULL DEFAULT 10000 CHECK (yuan_per_point_e4 BETWEEN 0 AND 100000000);

-- Transfers (赠送): off by default; to family (same household) only, or to anyone in the community.
ALTER TABLE communities ADD COLUMN transfers_allowed INTEGER NOT NULL DEFAULT 0 CHECK (transfers_allowed IN (0, 1));
ALTER TABLE communities ADD COLUMN transfer_scope TEXT NOT NULL DEFAULT 'family' CHECK (transfer_scope IN ('family', 'community'));
