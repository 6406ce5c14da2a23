-- 撤回: who withdrew a claim, when and why (status 'withdrawn' exists since 0006). The submitter withdraws their own
-- claim before it posts; the committee may withdraw one on a resident's request.
ALTER TABLE claims ADD COLUMN withdrawn_by TEXT NULL;
ALTER TABLE claims ADD COLUMN withdrawn_at TEXT NULL;
ALTER TABLE claims ADD COLUMN withdraw_reason TEXT NULL;
