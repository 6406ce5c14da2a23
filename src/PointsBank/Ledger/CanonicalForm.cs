using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PointsBank.Ledger;

/// <summary>
/// The canonical serialization of a transaction and its hash, exactly as <c>docs/ledger.md</c> specifies:
/// hash = SHA-256(previous hash as 32 bytes ‖ canonical bytes), lowercase hex. Changing anything here breaks
/// every existing chain.
/// </summary>
/// <remarks>
/// Two versions: v2 (every transaction with an effective date, i.e. everything written since effective dates
/// exist) adds the effective date after the posting time; v1 (older transactions, no effective date) is kept so
/// their stored hashes still verify. The version string is the first field, so the two can never share bytes.
/// </remarks>
public static class CanonicalForm
{
    public const string Version1 = "pointsbank-tx-v1";
    public const string Version2 = "pointsbank-tx-v2";

    /// <summary>The version new transactions are written in.</summary>
    public const string Version = Version2;

    /// <summary>The previous hash of a community's first transaction: 32 zero bytes.</summary>
    public static readonly string GenesisHash = new('0', 64);

    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    public const string DateFormat = "yyyy-MM-dd";

    public static byte[] Serialize(LedgerTransaction tx)
    {
        // The time is part of the hash as UTC milliseconds; anything else would not survive a round trip through
        // the database, and the stored hash could never be recomputed.
        if (tx.OccurredAt.Kind != DateTimeKind.Utc || tx.OccurredAt.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException("occurred_at must be UTC with whole milliseconds", nameof(tx));
        }
        var buffer = new MemoryStream(256);
        Field(buffer, tx.EffectiveDate is null ? Version1 : Version2);
        Field(buffer, Number(tx.CommunityId));
        Field(buffer, Number(tx.Seq));
        Field(buffer, tx.Kind.ToDb());
        Field(buffer, tx.Category);
        Field(buffer, tx.IdempotencyKey);
        Field(buffer, tx.RuleCode ?? "");
        Field(buffer, tx.RuleVersion is { } version ? Number(version) : "");
        Field(buffer, tx.Facts);
        Field(buffer, tx.Explanation);
        Field(buffer, tx.Actor);
        Field(buffer, tx.MemberId is { } member ? Number(member) : "");
        Field(buffer, tx.Minutes is { } minutes ? Number(minutes) : "");
        Field(buffer, tx.ReversesSeq is { } reversed ? Number(reversed) : "");
        Field(buffer, tx.OccurredAt.ToString(TimeFormat, CultureInfo.InvariantCulture));
        if (tx.EffectiveDate is { } effective)
        {
            Field(buffer, effective.ToString(DateFormat, CultureInfo.InvariantCulture));
        }
        Field(buffer, Number(tx.Postings.Count));
        for (var i = 0; i < tx.Postings.Count; i++)
        {
            Field(buffer, Number(i + 1));
            Field(buffer, Number(tx.Postings[i].AccountId));
            Field(buffer, Number(tx.Postings[i].Amount));
        }
        return buffer.ToArray();
    }

    public static string Hash(string prevHash, LedgerTransaction tx)
    {
        if (prevHash.Length != 64 || !prevHash.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new ArgumentException("the previous hash is 64 lowercase hex digits", nameof(prevHash));
        }
        var body = Serialize(tx);
        var input = new byte[32 + body.Length];
        Convert.FromHexString(prevHash).CopyTo(input, 0);
        body.CopyTo(input, 32);
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    // Throws on unpaired surrogates instead of writing U+FFFD, so two different strings never share bytes.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    // A field is its UTF-8 byte count in ASCII decimal, ':', the bytes, ','  (a netstring), so no value can be
    // confused with a separator and null or empty needs no escaping.
    private static void Field(MemoryStream buffer, string value)
    {
        var bytes = StrictUtf8.GetBytes(value);
        var prefix = Encoding.ASCII.GetBytes(bytes.Length.ToString(CultureInfo.InvariantCulture) + ":");
        buffer.Write(prefix);
        buffer.Write(bytes);
        buffer.WriteByte((byte)',');
    }
}
