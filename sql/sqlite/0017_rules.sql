-- 红黑榜 (issue 10): whether the community's monthly ranking also lists the month's deductions — the households or
-- residents with points deducted, masked names — on the live ranking, the public board and the poster. Off by
-- default; a policy field (redBlackBoard) beside the others on communities.
ALTER TABLE communities ADD COLUMN red_black_board INTEGER NOT NULL DEFAULT 0 CHECK (red_black_board IN (0, 1));
