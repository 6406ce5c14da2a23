using System.Globalization;
using System.Text;

namespace PointsBank.Data;

/// <summary>
/// The one rule for text that is stored and shown again (names, reasons, notes, explanations): valid Unicode, no
/// control characters (NUL included; line breaks only where a field allows them), no bidirectional overrides or
/// isolates (they make a ledger line read differently from what it stores), and at least one visible character.
/// Stored text cannot be edited later, so it is refused at the door rather than cleaned up afterwards.
/// </summary>
public static class StoredText
{
    public enum Problem
    {
        None,
        Empty,
        InvalidUnicode,
        ControlCharacter,
        BidiControl,
        Invisible,
    }

    /// <summary>What is wrong with <paramref name="value"/> as stored text, or <see cref="Problem.None"/>.</summary>
    public static Problem Check(string? value, bool allowLineBreaks = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Problem.Empty;
        }
        if (!IsValidUnicode(value))
        {
            return Problem.InvalidUnicode;
        }
        var visible = false;
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsBidiControl(rune.Value))
            {
                return Problem.BidiControl;
            }
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.Control)
            {
                if (allowLineBreaks && rune.Value is '\n' or '\r' or '\t')
                {
                    continue;
                }
                return Problem.ControlCharacter;
            }
            if (!visible && IsVisible(rune, category))
            {
                visible = true;
            }
        }
        return visible ? Problem.None : Problem.Invisible;
    }

    public static bool IsValid(string? value, bool allowLineBreaks = false) => Check(value, allowLineBreaks) == Problem.None;

    /// <summary>A short reason in Chinese and English, for validation messages.</summary>
    public static (string Zh, string En) Describe(Problem problem) => problem switch
    {
        Problem.Empty => ("不能为空", "is required"),
        Problem.InvalidUnicode => ("含有无效的字符编码", "is not valid Unicode"),
        Problem.ControlCharacter => ("不能包含控制字符", "must not contain control characters"),
        Problem.BidiControl => ("不能包含文字方向控制字符", "must not contain bidirectional control characters"),
        Problem.Invisible => ("必须包含可见的文字", "must contain visible characters"),
        _ => ("", ""),
    };

    public static bool IsValidUnicode(string? value) =>
        value is null || System.Text.Unicode.Utf8.FromUtf16(value, new byte[Encoding.UTF8.GetMaxByteCount(value.Length)], out _, out _,
            replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;

    // LRE, RLE, PDF, LRO, RLO (U+202A–202E), LRI, RLI, FSI, PDI (U+2066–2069), and the marks LRM, RLM, ALM.
    private static bool IsBidiControl(int c) => c is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x200E or 0x200F or 0x061C;

    private static bool IsVisible(Rune rune, UnicodeCategory category) => category switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        UnicodeCategory.Format or UnicodeCategory.Control or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark => false,
        // Hangul fillers and the braille blank render as nothing, though Unicode calls them letters or symbols.
        _ => rune.Value is not (0x3164 or 0x115F or 0x1160 or 0xFFA0 or 0x2800),
    };
}
