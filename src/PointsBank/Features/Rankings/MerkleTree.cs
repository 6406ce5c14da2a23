using System.Security.Cryptography;

namespace PointsBank.Features.Rankings;

/// <summary>
/// The Merkle tree hash of RFC 6962 §2.1 (RFC 9162 §2.1.1) over a list of leaves, with its audit paths and their
/// check: a leaf hash is SHA-256(0x00 ‖ leaf bytes), an interior node SHA-256(0x01 ‖ left ‖ right), and a list of n
/// &gt; 1 leaves splits at k, the largest power of two smaller than n. The empty list hashes to SHA-256 of nothing.
/// The published ranking's root (<c>snapshotHash</c>) is this over its canonical rows (docs/rankings.md).
/// </summary>
public static class MerkleTree
{
    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        var buffer = new byte[leaf.Length + 1];
        buffer[0] = 0x00;
        leaf.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 32 + 32];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[33..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The root over leaf hashes (already <see cref="LeafHash"/>ed), in order.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes) =>
        leafHashes.Count == 0 ? SHA256.HashData([]) : Subtree(leafHashes, 0, leafHashes.Count);

    /// <summary>The audit path of leaf <paramref name="index"/>: the sibling hashes from the leaf up to the root (RFC 6962 §2.1.1 PATH).</summary>
    public static IReadOnlyList<byte[]> Path(IReadOnlyList<byte[]> leafHashes, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leafHashes.Count);
        var path = new List<byte[]>();
        Collect(leafHashes, 0, leafHashes.Count, index, path);
        return path;
    }

    /// <summary>
    /// Whether <paramref name="leafHash"/> at <paramref name="index"/> of a tree of <paramref name="size"/> leaves,
    /// with <paramref name="path"/>, leads to <paramref name="root"/>: the steps of RFC 9162 §2.1.3.2, which
    /// docs/rankings.md spells out for a resident to follow by hand.
    /// </summary>
    public static bool Verify(byte[] leafHash, long index, long size, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }
        var (fn, sn, r) = (index, size - 1, leafHash);
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    private static int Split(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }
        return k;
    }

    private static byte[] Subtree(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }
        var k = Split(count);
        return NodeHash(Subtree(leaves, start, k), Subtree(leaves, start + k, count - k));
    }

    private static void Collect(IReadOnlyList<byte[]> leaves, int start, int count, int index, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }
        var k = Split(count);
        if (index < k)
        {
            Collect(leaves, start, k, index, path);
            path.Add(Subtree(leaves, start + k, count - k));
        }
        else
        {
            Collect(leaves, start + k, count - k, index - k, path);
            path.Add(Subtree(leaves, start, k));
        }
    }
}
