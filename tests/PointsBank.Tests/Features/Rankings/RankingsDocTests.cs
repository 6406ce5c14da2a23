using System.Text;
using System.Text.RegularExpressions;
using PointsBank.Features.Rankings;

namespace PointsBank.Tests.Features.Rankings;

/// <summary>
/// The worked example of <c>docs/rankings.md</c> §5, read from the doc's marked lines (<c>row #i:</c>, <c>hex #i:</c>,
/// <c>leaf #i:</c>, <c>node …:</c>, <c>root:</c>, <c>path #i:</c>) and recomputed by the code that publishes and proves
/// boards, so the doc and the code cannot drift apart. Plus the tree against RFC 6962's shape for every size up to 33.
/// </summary>
[TestFixture]
public sealed partial class RankingsDocTests
{
    private static readonly Lazy<string> Doc = new(() =>
        File.ReadAllText(Path.Combine(RepoRoot(), "docs", "rankings.md"), Encoding.UTF8).ReplaceLineEndings("\n"));

    private static string Line(string label) =>
        Regex.Match(Doc.Value, $"^{Regex.Escape(label)} (.+)$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value.Trim()
            : throw new AssertionException($"docs/rankings.md has no line '{label}'");

    private static byte[] Hex(string label) => Convert.FromHexString(Line(label));

    private static string[] Fields(int i) => Line($"row #{i}:").Split('→');

    private static string CanonicalFromFields(int i)
    {
        var f = Fields(i);
        Assert.That(f, Has.Length.EqualTo(12));
        return CanonicalRow.Text(long.Parse(f[1]), f[2], f[3], int.Parse(f[4]), f[5], long.Parse(f[6]), f[7], f[8],
            f[9].Length == 0 ? null : long.Parse(f[9]), long.Parse(f[10]), long.Parse(f[11]));
    }

    [Test]
    public void TheWorkedExample_RowsLeavesNodesAndRoot_AreWhatTheCodeComputes()
    {
        var leaves = new List<byte[]>();
        for (var i = 0; i < 5; i++)
        {
            var canonical = CanonicalFromFields(i);
            Assert.That(Convert.ToHexStringLower(CanonicalRow.Bytes(canonical)), Is.EqualTo(Line($"hex #{i}:")), $"row #{i}");
            var leaf = MerkleTree.LeafHash(CanonicalRow.Bytes(canonical));
            Assert.That(Convert.ToHexStringLower(leaf), Is.EqualTo(Line($"leaf #{i}:")), $"leaf #{i}");
            leaves.Add(leaf);
        }

        Assert.That(MerkleTree.NodeHash(leaves[0], leaves[1]), Is.EqualTo(Hex("node 0-1:")));
        Assert.That(MerkleTree.NodeHash(leaves[2], leaves[3]), Is.EqualTo(Hex("node 2-3:")));
        Assert.That(MerkleTree.Root(leaves[..4]), Is.EqualTo(Hex("node 0-3:")));
        Assert.That(MerkleTree.Root(leaves), Is.EqualTo(Hex("root:")));
        foreach (var i in new[] { 2, 4 })
        {
            var path = Line($"path #{i}:").Split(' ').Select(Convert.FromHexString).ToList();
            Assert.That(MerkleTree.Path(leaves, i), Is.EqualTo(path), $"path #{i}");
            Assert.That(MerkleTree.Verify(leaves[i], i, 5, path, Hex("root:")), Is.True, $"proof #{i}");
        }
    }

    [Test]
    public void TheWorkedExample_IsABoardTheRankingWouldPublish()
    {
        var rows = Enumerable.Range(0, 5).Select(i => Fields(i)).Select(f => new RankingRow(int.Parse(f[4]), f[5], long.Parse(f[6]), 1, f[7], f[8],
            f[9].Length == 0 ? null : long.Parse(f[9]), 0, 0, long.Parse(f[10]), long.Parse(f[11]))).ToList();

        Assert.That(Snapshots.Root(1, "2026-11", "person", rows), Is.EqualTo(Line("root:")));
    }

    [Test]
    public void ARowWithAnyFieldChanged_DoesNotProveAgainstTheExamplesRoot()
    {
        var path = Line("path #2:").Split(' ').Select(Convert.FromHexString).ToList();
        var fields = Fields(2);
        for (var f = 1; f < fields.Length; f++)
        {
            var changed = (string[])fields.Clone();
            changed[f] += "1";
            var leaf = MerkleTree.LeafHash(Encoding.UTF8.GetBytes(string.Join('\t', changed)));
            Assert.That(MerkleTree.Verify(leaf, 2, 5, path, Hex("root:")), Is.False, $"field {f + 1} changed");
        }
    }

    [Test]
    public void EveryLeafOfEveryTreeSize_ProvesAgainstItsRoot_AndNoWhereElse()
    {
        for (var size = 1; size <= 33; size++)
        {
            var leaves = Enumerable.Range(0, size).Select(i => MerkleTree.LeafHash(Encoding.UTF8.GetBytes($"row {i}"))).ToList();
            var root = MerkleTree.Root(leaves);
            for (var i = 0; i < size; i++)
            {
                var path = MerkleTree.Path(leaves, i);
                Assert.That(MerkleTree.Verify(leaves[i], i, size, path, root), Is.True, $"size {size}, leaf {i}");
                Assert.That(MerkleTree.Verify(leaves[i], i, size, [.. path, leaves[i]], root), Is.False, $"size {size}, leaf {i}, path too long");
                if (size > 1)
                {
                    Assert.That(MerkleTree.Verify(leaves[(i + 1) % size], i, size, path, root), Is.False, $"size {size}, leaf {i}, other leaf");
                }
            }
        }
    }

    [Test]
    public void TheEmptyBoard_HashesToTheHashOfNothing() =>
        Assert.That(Convert.ToHexStringLower(MerkleTree.Root([])), Is.EqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PointsBank.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
