using System.Security.Cryptography;
using System.Text;

namespace PointsBank.Features.Redemption;

/// <summary>What a scanned or typed text is, as a voucher code.</summary>
public enum VoucherCodeShape
{
    /// <summary>A voucher code whose check characters match (it may still belong to no voucher).</summary>
    Valid,

    /// <summary>Not of the voucher's shape at all (a card URL, a product barcode, garbage).</summary>
    Malformed,

    /// <summary>Of the voucher's shape, but its check characters do not match: mistyped or made up.</summary>
    Forged,
}

/// <summary>
/// Voucher codes (docs/redemption.md): <c>V</c>, 10 random Crockford base32 characters (50 bits), then 2 check
/// characters — the first 10 bits of SHA-256 over the 10 random characters. 13 characters, upper case, no I, L, O or U,
/// so a USB scanner types it in a blink and a shopkeeper can type it from a phone screen. Reading is forgiving the way
/// Crockford base32 is: lower case, spaces and hyphens are accepted, I and L read as 1, O as 0.
/// </summary>
public static class VoucherCodes
{
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int RandomLength = 10;
    public const int Length = 1 + RandomLength + 2;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[RandomLength];
        RandomNumberGenerator.Fill(bytes);
        var random = new char[RandomLength];
        for (var i = 0; i < RandomLength; i++)
        {
            random[i] = Alphabet[bytes[i] & 31];
        }
        var body = new string(random);
        return "V" + body + Check(body);
    }

    /// <summary>The code in its canonical form (<paramref name="code"/>) when the text is of the voucher's shape.</summary>
    public static VoucherCodeShape Read(string? text, out string code)
    {
        code = "";
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40)
        {
            return VoucherCodeShape.Malformed;
        }
        var normal = new StringBuilder(Length);
        foreach (var c in text.Trim())
        {
            if (c is ' ' or '-')
            {
                continue;
            }
            var upper = char.ToUpperInvariant(c);
            upper = upper switch { 'I' or 'L' => '1', 'O' => '0', _ => upper };
            if (normal.Length > 0 && !Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return VoucherCodeShape.Malformed;
            }
            normal.Append(upper);
        }
        // The leading V was mapped nowhere: it is not in the alphabet's confusables.
        if (normal.Length != Length || normal[0] != 'V')
        {
            return VoucherCodeShape.Malformed;
        }
        var candidate = normal.ToString();
        if (!string.Equals(Check(candidate[1..(1 + RandomLength)]), candidate[(1 + RandomLength)..], StringComparison.Ordinal))
        {
            return VoucherCodeShape.Forged;
        }
        code = candidate;
        return VoucherCodeShape.Valid;
    }

    /// <summary>The two check characters: the first 10 bits of SHA-256 over the random part (ASCII), most significant first.</summary>
    public static string Check(string random)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(random));
        var bits = (hash[0] << 2) | (hash[1] >> 6);
        return new string([Alphabet[bits >> 5], Alphabet[bits & 31]]);
    }
}
