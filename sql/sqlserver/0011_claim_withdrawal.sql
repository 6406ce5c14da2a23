-- 撤回: who withdrew a claim, when and why (status 'withdrawn' exists since 0006). The submitter withdraws their own
-- claim before it posts; the committee may withdraw one on a resident's request.
ALTER TABLE dbo.claims ADD withdrawn_by nvarchar(200) NULL, withdrawn_at datetime2(3) NULL, withdraw_reason nvarchar(500) NULL;
GO
