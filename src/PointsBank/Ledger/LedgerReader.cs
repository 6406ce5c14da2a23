using System.Data.Common;
using System.Globalization;
using PointsBank.Data;

namespace PointsBank.Ledger;

/// <summary>Reads transaction rows the same way on both engines (SQL Server returns int columns as Int32).</summary>
internal static class LedgerReader
{
    /// <summary>
    /// Reads a row of columns in the order id, seq, kind, category, idempotency_key, rule_code, rule_version, facts,
    /// explanation, actor, member_id, minutes, reverses_seq, occurred_at, prev_hash, hash; and a column named
    /// <c>effective_date</c> anywhere in the row, when the query selects it.
    /// </summary>
    public static LedgerTransaction Transaction(DbDataReader reader, long communityId, IReadOnlyList<PostingLine> postings) => new(
        Id: reader.GetInt64(0),
        CommunityId: communityId,
        Seq: reader.GetInt64(1),
        Kind: LedgerNames.ParseKind(reader.GetString(2)),
        Category: reader.GetString(3),
        IdempotencyKey: reader.GetString(4),
        RuleCode: reader.IsDBNull(5) ? null : reader.GetString(5),
        RuleVersion: reader.IsDBNull(6) ? null : Convert.ToInt32(reader.GetValue(6), CultureInfo.InvariantCulture),
        Facts: reader.GetString(7),
        Explanation: reader.GetString(8),
        Actor: reader.GetString(9),
        MemberId: reader.IsDBNull(10) ? null : reader.GetInt64(10),
        Minutes: reader.IsDBNull(11) ? null : Convert.ToInt32(reader.GetValue(11), CultureInfo.InvariantCulture),
        ReversesSeq: reader.IsDBNull(12) ? null : reader.GetInt64(12),
        OccurredAt: Clock.AsUtc(reader.GetDateTime(13)),
        PrevHash: reader.GetString(14).Trim(),
        Hash: reader.GetString(15).Trim(),
        Postings: postings)
    {
        EffectiveDate = EffectiveDate(reader),
    };

    /// <summary>The effective date column: text on SQLite, <c>date</c> on SQL Server; null on v1 transactions.</summary>
    public static DateOnly? EffectiveDate(DbDataReader reader)
    {
        int ordinal;
        try
        {
            ordinal = reader.GetOrdinal("effective_date");
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
        return reader.IsDBNull(ordinal)
            ? null
            : reader.GetValue(ordinal) switch
            {
                DateTime date => DateOnly.FromDateTime(date),
                DateOnly date => date,
                string text => DateOnly.ParseExact(text, Projections.DateFormat, CultureInfo.InvariantCulture),
                var other => throw new FormatException($"effective_date has an unexpected type {other.GetType().Name}"),
            };
    }
}
