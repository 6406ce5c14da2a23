using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace PointsBank.Features.Cards;

/// <summary>
/// A card's token and PIN. The token is 160 random bits in base64url (27 characters, short enough for a small QR);
/// it is found by its SHA-256 (lowercase hex) and never stored in the clear. PINs are 4 to 6 digits, hashed like
/// passwords.
/// </summary>
public static class CardSecrets
{
    public const int TokenLength = 27;
    public const int MaxPinFailures = 5;

    private static readonly PasswordHasher<object> PinHasher = new();

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(20));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>True when the text has the shape of a token (it may still belong to no card).</summary>
    public static bool LooksLikeToken(string? text) =>
        text is { Length: TokenLength } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static bool IsValidPin(string? pin) => pin is { Length: >= 4 and <= 6 } && pin.All(char.IsAsciiDigit);

    public static string HashPin(string pin) => PinHasher.HashPassword(null!, pin);

    public static bool PinMatches(string pinHash, string pin) =>
        PinHasher.VerifyHashedPassword(null!, pinHash, pin) != PasswordVerificationResult.Failed;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
