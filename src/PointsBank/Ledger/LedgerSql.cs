using PointsBank.Data;

namespace PointsBank.Ledger;

/// <summary>The ledger's statements, in the portable subset unless written per engine.</summary>
internal static class LedgerSql
{
    public const string UpdateChainHead = """
        UPDATE chain_heads SET last_seq = @lastSeq, last_hash = @lastHash, updated_at = @now WHERE community_id = @communityId
        """;

    public const string InsertChainHead = """
        INSERT INTO chain_heads (community_id, last_seq, last_hash, updated_at) VALUES (@communityId, 0, @genesis, @now)
        """;

    public static readonly DialectSql InsertAccount = new(
        Sqlite: """
            INSERT INTO accounts (community_id, kind, household_id, resident_id, shop_id, system_code, name, created_at)
            VALUES (@communityId, @kind, @householdId, @residentId, @shopId, @systemCode, @name, @now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO accounts (community_id, kind, household_id, resident_id, shop_id, system_code, name, created_at)
            VALUES (@communityId, @kind, @householdId, @residentId, @shopId, @systemCode, @name, @now);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public const string InsertBalance = """
        INSERT INTO balances (account_id, community_id, balance, held, last_seq) VALUES (@accountId, @communityId, 0, 0, 0)
        """;

    public const string SelectBalance = """
        SELECT balance, held FROM balances WHERE account_id = @accountId AND community_id = @communityId
        """;

    // The owner is active when its household or resident is (a person account: the resident); system accounts have none.
    public const string SelectAccountState = """
        SELECT a.community_id, a.kind, b.balance, b.held, b.last_seq, a.household_id, a.resident_id,
               COALESCE(h.is_active, r.is_active, 1)
          FROM accounts a
          JOIN balances b ON b.account_id = a.id
          LEFT JOIN households h ON h.id = a.household_id
          LEFT JOIN residents r ON r.id = a.resident_id
         WHERE a.id = @accountId
        """;

    public const string SelectSystemAccount = """
        SELECT id FROM accounts WHERE community_id = @communityId AND system_code = @systemCode
        """;

    public const string SelectMember = """
        SELECT household_id, is_active FROM residents WHERE id = @residentId AND community_id = @communityId
        """;

    public const string SelectByKey = """
        SELECT seq, request_hash FROM ledger_transactions WHERE community_id = @communityId AND idempotency_key = @key
        """;

    public const string SelectTransaction = """
        SELECT id, seq, kind, category, idempotency_key, rule_code, rule_version, facts, explanation, actor,
               member_id, minutes, reverses_seq, occurred_at, prev_hash, hash, effective_date
          FROM ledger_transactions
         WHERE community_id = @communityId AND seq = @seq
        """;

    public const string SelectPostings = """
        SELECT account_id, amount FROM ledger_postings WHERE transaction_id = @transactionId ORDER BY line_no
        """;

    public const string SelectReversalOf = """
        SELECT seq FROM ledger_transactions WHERE community_id = @communityId AND reverses_seq = @seq
        """;

    public static readonly DialectSql InsertTransaction = new(
        Sqlite: """
            INSERT INTO ledger_transactions (community_id, seq, kind, category, idempotency_key, request_hash, rule_code,
                rule_version, facts, explanation, actor, member_id, minutes, reverses_seq, occurred_at, effective_date, prev_hash, hash)
            VALUES (@communityId, @seq, @kind, @category, @key, @requestHash, @ruleCode,
                @ruleVersion, @facts, @explanation, @actor, @memberId, @minutes, @reversesSeq, @occurredAt, @effectiveDate, @prevHash, @hash)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO ledger_transactions (community_id, seq, kind, category, idempotency_key, request_hash, rule_code,
                rule_version, facts, explanation, actor, member_id, minutes, reverses_seq, occurred_at, effective_date, prev_hash, hash)
            VALUES (@communityId, @seq, @kind, @category, @key, @requestHash, @ruleCode,
                @ruleVersion, @facts, @explanation, @actor, @memberId, @minutes, @reversesSeq, @occurredAt, @effectiveDate, @prevHash, @hash);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public const string InsertPosting = """
        INSERT INTO ledger_postings (transaction_id, line_no, account_id, amount) VALUES (@transactionId, @lineNo, @accountId, @amount)
        """;

    public const string UpdateBalance = """
        UPDATE balances SET balance = @balance, held = @held, last_seq = @lastSeq WHERE account_id = @accountId
        """;

    public const string UpdateAggregate = """
        UPDATE monthly_aggregates
           SET earned = earned + @earned, deducted = deducted + @deducted, redeemed = redeemed + @redeemed,
               volunteer_minutes = volunteer_minutes + @minutes
         WHERE account_id = @accountId AND member_id = @memberId AND category = @category AND month = @month
        """;

    public const string InsertAggregate = """
        INSERT INTO monthly_aggregates (community_id, account_id, member_id, category, month, earned, deducted, redeemed, volunteer_minutes)
        VALUES (@communityId, @accountId, @memberId, @category, @month, @earned, @deducted, @redeemed, @minutes)
        """;

    // The month's total over every category of one account and member (sql/*/0018_monthly_totals.sql), moved with the
    // aggregates in the same flush: the live ranking reads these.
    public const string UpdateTotal = """
        UPDATE monthly_totals
           SET earned = earned + @earned, deducted = deducted + @deducted, redeemed = redeemed + @redeemed,
               volunteer_minutes = volunteer_minutes + @minutes
         WHERE community_id = @communityId AND month = @month AND account_id = @accountId AND member_id = @memberId
        """;

    public const string InsertTotal = """
        INSERT INTO monthly_totals (community_id, month, account_id, member_id, earned, deducted, redeemed, volunteer_minutes)
        VALUES (@communityId, @month, @accountId, @memberId, @earned, @deducted, @redeemed, @minutes)
        """;

    public const string SelectIdempotencyKey = """
        SELECT request_hash, result_id FROM idempotency_keys WHERE community_id = @communityId AND idempotency_key = @key
        """;

    public const string InsertIdempotencyKey = """
        INSERT INTO idempotency_keys (community_id, idempotency_key, request_hash, command, result_id, created_at)
        VALUES (@communityId, @key, @requestHash, @command, @resultId, @now)
        """;

    public static readonly DialectSql InsertHold = new(
        Sqlite: """
            INSERT INTO holds (community_id, account_id, amount, status, reference, actor, created_at, expires_at)
            VALUES (@communityId, @accountId, @amount, 'open', @reference, @actor, @now, @expiresAt)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO holds (community_id, account_id, amount, status, reference, actor, created_at, expires_at)
            VALUES (@communityId, @accountId, @amount, 'open', @reference, @actor, @now, @expiresAt);
            SELECT CAST(SCOPE_IDENTITY() AS bigint);
            """);

    public const string SelectHold = """
        SELECT id, account_id, amount, status, reference, created_at, expires_at, captured_seq
          FROM holds WHERE id = @holdId AND community_id = @communityId
        """;

    public const string CloseHold = """
        UPDATE holds SET status = @status, closed_at = @now, closed_by = @closedBy, captured_seq = @capturedSeq WHERE id = @holdId AND status = 'open'
        """;
}
