using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PointsBank.Ledger;

namespace PointsBank.Tests.Ledger;

/// <summary>
/// The canonical form and hash chain against the specification in <c>docs/ledger.md</c>. The worked example's bytes
/// and hashes are read from the doc's marked lines (<c>canonical #n:</c>, <c>hex #n:</c>, <c>prev #n:</c>,
/// <c>hash #n:</c>), so the doc and the code cannot drift apart.
/// </summary>
[TestFixture]
public sealed class CanonicalFormTests
{
    private static readonly Lazy<string> Doc = new(() =>
        File.ReadAllText(Path.Combine(RepoRoot(), "docs", "ledger.md"), Encoding.UTF8).ReplaceLineEndings("\n"));

    // §6.1: the award, posted on 1 November for 31 October.
    private static LedgerTransaction Award() => LegacyAward() with
    {
        IdempotencyKey = "client:demo-1",
        Actor = "user:wang",
        EffectiveDate = new DateOnly(2026, 10, 31),
    };

    // §6.4: the same award as written before effective dates existed (canonical form v1).
    private static LedgerTransaction LegacyAward() => new(
        Id: 1,
        CommunityId: 1,
        Seq: 1,
        Kind: TransactionKind.Award,
        Category: Categories.GoodDeed,
        IdempotencyKey: "demo-1",
        RuleCode: null,
        RuleVersion: null,
        Facts: """{"note":"wallet returned"}""",
        Explanation: "拾金不昧 +5",
        Actor: "committee:wang",
        MemberId: 3,
        Minutes: null,
        ReversesSeq: null,
        OccurredAt: new DateTime(2026, 11, 1, 8, 30, 0, DateTimeKind.Utc),
        PrevHash: CanonicalForm.GenesisHash,
        Hash: "",
        Postings: [new PostingLine(1, -5), new PostingLine(5, 5)]);

    // §6.2: its reversal, with the facts and explanation exactly as the reversal path stores them.
    private static LedgerTransaction Reversal(string prevHash) => new(
        Id: 2,
        CommunityId: 1,
        Seq: 2,
        Kind: TransactionKind.Reverse,
        Category: Categories.GoodDeed,
        IdempotencyKey: "client:demo-1-reverse",
        RuleCode: null,
        RuleVersion: null,
        Facts: """{"reverses":1,"reason":"\u767B\u8BB0\u6709\u8BEF\uFF0C\u91CD\u590D\u5F55\u5165"}""",
        Explanation: "更正第 1 笔：登记有误，重复录入",
        Actor: "user:li",
        MemberId: 3,
        Minutes: null,
        ReversesSeq: 1,
        OccurredAt: new DateTime(2026, 11, 2, 1, 15, 30, 250, DateTimeKind.Utc),
        PrevHash: prevHash,
        Hash: "",
        Postings: [new PostingLine(1, 5), new PostingLine(5, -5)])
    {
        EffectiveDate = new DateOnly(2026, 10, 31),
    };

    // ---- (a) the worked example in docs/ledger.md ----

    [Test]
    public void Award_canonical_bytes_equal_the_doc()
    {
        var bytes = CanonicalForm.Serialize(Award());

        Assert.That(Convert.ToHexStringLower(bytes), Is.EqualTo(DocHex(1)));
        Assert.That(Encoding.UTF8.GetString(bytes), Is.EqualTo(DocLine("canonical #1:")));
        Assert.That(bytes, Has.Length.EqualTo(213));
    }

    [Test]
    public void Reversal_canonical_bytes_equal_the_doc()
    {
        var bytes = CanonicalForm.Serialize(Reversal(DocHash("prev #2:")));

        Assert.That(Convert.ToHexStringLower(bytes), Is.EqualTo(DocHex(2)));
        Assert.That(Encoding.UTF8.GetString(bytes), Is.EqualTo(DocLine("canonical #2:")));
        Assert.That(bytes, Has.Length.EqualTo(306));
    }

    [Test]
    public void LegacyAward_without_an_effective_date_keeps_its_v1_bytes_and_hash()
    {
        var bytes = CanonicalForm.Serialize(LegacyAward());

        Assert.That(Encoding.UTF8.GetString(bytes), Is.EqualTo(DocLine("canonical #v1:")));
        Assert.That(bytes, Has.Length.EqualTo(197));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, LegacyAward()), Is.EqualTo(DocHash("hash #v1:")));
    }

    [Test]
    public void The_version_follows_the_effective_date()
    {
        Assert.That(Encoding.UTF8.GetString(CanonicalForm.Serialize(Award())), Does.StartWith("16:pointsbank-tx-v2,"));
        Assert.That(Encoding.UTF8.GetString(CanonicalForm.Serialize(LegacyAward())), Does.StartWith("16:pointsbank-tx-v1,"));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, Award() with { EffectiveDate = null }),
            Is.Not.EqualTo(CanonicalForm.Hash(CanonicalForm.GenesisHash, Award())));
    }

    [Test]
    public void Doc_text_and_hex_of_the_example_are_the_same_bytes()
    {
        Assert.That(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(DocLine("canonical #1:"))), Is.EqualTo(DocHex(1)));
        Assert.That(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(DocLine("canonical #2:"))), Is.EqualTo(DocHex(2)));
    }

    [Test]
    public void Award_hash_equals_the_doc()
    {
        Assert.That(DocHash("prev #1:"), Is.EqualTo(CanonicalForm.GenesisHash));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, Award()), Is.EqualTo(DocHash("hash #1:")));
    }

    [Test]
    public void Reversal_hash_chains_on_the_award_and_equals_the_doc()
    {
        var first = CanonicalForm.Hash(CanonicalForm.GenesisHash, Award());

        Assert.That(DocHash("prev #2:"), Is.EqualTo(first));
        Assert.That(CanonicalForm.Hash(first, Reversal(first)), Is.EqualTo(DocHash("hash #2:")));
    }

    [Test]
    public void Doc_bytes_alone_reproduce_the_doc_hashes()
    {
        // What an independent verifier does: SHA-256(prev hash as 32 raw bytes ‖ canonical bytes), lowercase hex.
        var first = Sha256Hex(Convert.FromHexString(DocHash("prev #1:")), Convert.FromHexString(DocHex(1)));
        var second = Sha256Hex(Convert.FromHexString(first), Convert.FromHexString(DocHex(2)));

        Assert.That(first, Is.EqualTo(DocHash("hash #1:")));
        Assert.That(second, Is.EqualTo(DocHash("hash #2:")));
    }

    [Test]
    public void Chinese_text_is_framed_by_utf8_byte_count()
    {
        var text = Encoding.UTF8.GetString(CanonicalForm.Serialize(Award()));

        Assert.That(Encoding.UTF8.GetByteCount("拾金不昧 +5"), Is.EqualTo(15));
        Assert.That(text, Does.Contain(",15:拾金不昧 +5,"));
    }

    // ---- (b) every field is covered by the hash ----

    private static IEnumerable<TestCaseData> SingleFieldChanges()
    {
        var tx = Award();
        TestCaseData Case(string name, LedgerTransaction changed) => new TestCaseData(changed).SetName($"Changing_{name}_changes_the_hash");

        yield return Case("amount", tx with { Postings = [new(1, -6), new(5, 6)] });
        yield return Case("amount_sign", tx with { Postings = [new(1, 5), new(5, -5)] });
        yield return Case("account", tx with { Postings = [new(1, -5), new(6, 5)] });
        yield return Case("posting_order", tx with { Postings = [new(5, 5), new(1, -5)] });
        yield return Case("posting_count", tx with { Postings = [new(1, -5), new(5, 4), new(7, 1)] });
        yield return Case("explanation", tx with { Explanation = "拾金不昧 +6" });
        yield return Case("explanation_one_character", tx with { Explanation = "拾金不昧  +5" });
        yield return Case("occurred_at_by_one_millisecond", tx with { OccurredAt = tx.OccurredAt.AddMilliseconds(1) });
        yield return Case("effective_date_by_one_day", tx with { EffectiveDate = tx.EffectiveDate!.Value.AddDays(1) });
        yield return Case("member", tx with { MemberId = 4 });
        yield return Case("member_to_absent", tx with { MemberId = null });
        yield return Case("community", tx with { CommunityId = 2 });
        yield return Case("seq", tx with { Seq = 2 });
        yield return Case("kind", tx with { Kind = TransactionKind.Adjust });
        yield return Case("category", tx with { Category = Categories.Volunteer });
        yield return Case("idempotency_key", tx with { IdempotencyKey = "demo-2" });
        yield return Case("rule_code", tx with { RuleCode = "GD-01" });
        yield return Case("rule_version", tx with { RuleVersion = 1 });
        yield return Case("facts", tx with { Facts = """{"note":"wallet returned!"}""" });
        yield return Case("facts_whitespace", tx with { Facts = """{"note": "wallet returned"}""" });
        yield return Case("actor", tx with { Actor = "committee:li" });
        yield return Case("minutes", tx with { Minutes = 0 });
        yield return Case("reverses_seq", tx with { ReversesSeq = 1 });
    }

    [TestCaseSource(nameof(SingleFieldChanges))]
    public void Changing_a_field_changes_the_hash(LedgerTransaction changed)
    {
        var original = Award();

        Assert.That(CanonicalForm.Serialize(changed), Is.Not.EqualTo(CanonicalForm.Serialize(original)));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, changed),
            Is.Not.EqualTo(CanonicalForm.Hash(CanonicalForm.GenesisHash, original)));
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(63)]
    public void Changing_the_prev_hash_changes_the_hash(int hexDigit)
    {
        var chars = CanonicalForm.GenesisHash.ToCharArray();
        chars[hexDigit] = '1';
        var otherPrev = new string(chars);

        Assert.That(CanonicalForm.Hash(otherPrev, Award()), Is.Not.EqualTo(CanonicalForm.Hash(CanonicalForm.GenesisHash, Award())));
    }

    [Test]
    public void Absent_and_zero_are_different()
    {
        var absent = Award() with { MemberId = null, Minutes = null };
        var zero = Award() with { MemberId = 0, Minutes = 0 };

        Assert.That(Encoding.UTF8.GetString(CanonicalForm.Serialize(absent)), Does.Contain(",9:user:wang,0:,0:,0:,"));
        Assert.That(Encoding.UTF8.GetString(CanonicalForm.Serialize(zero)), Does.Contain(",9:user:wang,1:0,1:0,0:,"));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, absent), Is.Not.EqualTo(CanonicalForm.Hash(CanonicalForm.GenesisHash, zero)));
    }

    // ---- (c) netstring framing: shifting bytes between fields is never invisible ----

    [TestCase("ab", "c", "a", "bc")]
    [TestCase("a,b", "c", "a", "b,c")]
    [TestCase("x,1:y", "z", "x", "y,1:z")]
    [TestCase("", "abc", "abc", "")]
    [TestCase("拾金", "不昧", "拾", "金不昧")]
    public void Moving_bytes_between_adjacent_fields_changes_the_hash(string explanation1, string actor1, string explanation2, string actor2)
    {
        var first = Award() with { Explanation = explanation1, Actor = actor1 };
        var second = Award() with { Explanation = explanation2, Actor = actor2 };

        Assert.That(CanonicalForm.Serialize(first), Is.Not.EqualTo(CanonicalForm.Serialize(second)));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, first), Is.Not.EqualTo(CanonicalForm.Hash(CanonicalForm.GenesisHash, second)));
    }

    [Test]
    public void Each_field_is_a_netstring()
    {
        var text = Encoding.UTF8.GetString(CanonicalForm.Serialize(Award() with { Explanation = "ab", Actor = "c" }));
        var shifted = Encoding.UTF8.GetString(CanonicalForm.Serialize(Award() with { Explanation = "a", Actor = "bc" }));

        Assert.That(text, Does.Contain(",2:ab,1:c,"));
        Assert.That(shifted, Does.Contain(",1:a,2:bc,"));
    }

    [Test]
    public void Category_and_key_shift_changes_the_hash()
    {
        var first = Award() with { Category = "good", IdempotencyKey = "_deed-1" };
        var second = Award() with { Category = "good_", IdempotencyKey = "deed-1" };

        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, first), Is.Not.EqualTo(CanonicalForm.Hash(CanonicalForm.GenesisHash, second)));
    }

    [Test]
    public void Numbers_are_plain_decimal_and_times_have_three_millisecond_digits()
    {
        var tx = Award() with
        {
            OccurredAt = new DateTime(2026, 11, 2, 1, 15, 30, 250, DateTimeKind.Utc),
            Postings = [new(1, -1_000_000), new(5, 1_000_000)],
        };
        var text = Encoding.UTF8.GetString(CanonicalForm.Serialize(tx));

        Assert.That(text, Does.Contain(",24:2026-11-02T01:15:30.250Z,"));
        Assert.That(text, Does.EndWith(",1:2,1:1,1:1,8:-1000000,1:2,1:5,7:1000000,"));
    }

    [TestCase(DateTimeKind.Unspecified, 0)]
    [TestCase(DateTimeKind.Local, 0)]
    [TestCase(DateTimeKind.Utc, 1)]
    public void Hash_RefusesTimesThatWouldNotRoundTrip(DateTimeKind kind, int extraTicks)
    {
        var written = Award();
        var odd = written with { OccurredAt = DateTime.SpecifyKind(written.OccurredAt.AddTicks(extraTicks), kind) };

        Assert.That(() => CanonicalForm.Hash(CanonicalForm.GenesisHash, odd), Throws.ArgumentException);
    }

    [TestCase("")]
    [TestCase("00")]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000AB")]
    [TestCase("ABCDEF0000000000000000000000000000000000000000000000000000000000")]
    public void Hash_RefusesAMalformedPreviousHash(string prev)
    {
        Assert.That(() => CanonicalForm.Hash(prev, Award()), Throws.ArgumentException);
    }

    [Test]
    public void Serialize_RefusesUnpairedSurrogates_InsteadOfReplacingThem()
    {
        var broken = Award() with { Explanation = "好人\ud800好事" };

        Assert.That(() => CanonicalForm.Serialize(broken), Throws.InstanceOf<System.Text.EncoderFallbackException>());
    }

    // ---- (d) genesis ----

    [Test]
    public void Genesis_hash_is_64_zeros()
    {
        Assert.That(CanonicalForm.GenesisHash, Is.EqualTo(new string('0', 64)));
        Assert.That(Convert.FromHexString(CanonicalForm.GenesisHash), Is.EqualTo(new byte[32]));
    }

    [Test]
    public void First_hash_is_sha256_of_32_zero_bytes_then_the_canonical_bytes()
    {
        var body = CanonicalForm.Serialize(Award());

        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, Award()), Is.EqualTo(Sha256Hex(new byte[32], body)));
        Assert.That(CanonicalForm.Hash(CanonicalForm.GenesisHash, Award()), Does.Match("^[0-9a-f]{64}$"));
    }

    // ---- reading docs/ledger.md ----

    private static string DocLine(string marker)
    {
        var match = Regex.Match(Doc.Value, "^" + Regex.Escape(marker) + " (.*)$", RegexOptions.Multiline);
        Assert.That(match.Success, Is.True, $"docs/ledger.md has no line starting with '{marker}'");
        return match.Groups[1].Value;
    }

    private static string DocHash(string marker)
    {
        var value = DocLine(marker);
        Assert.That(value, Does.Match("^[0-9a-f]{64}$"), $"'{marker}' in docs/ledger.md is not a 64-digit lowercase hex hash");
        return value;
    }

    private static string DocHex(int example)
    {
        var match = Regex.Match(Doc.Value, $"^hex #{example}:\n((?:[0-9a-f]+\n)+)", RegexOptions.Multiline);
        Assert.That(match.Success, Is.True, $"docs/ledger.md has no 'hex #{example}:' block");
        return string.Concat(match.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string Sha256Hex(byte[] prev, byte[] body) => Convert.ToHexStringLower(SHA256.HashData([.. prev, .. body]));

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PointsBank.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no PointsBank.sln above {TestContext.CurrentContext.TestDirectory}");
    }
}
