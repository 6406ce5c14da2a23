using System.Globalization;
using System.Text;

namespace PointsBank.Infrastructure;

/// <summary>
/// A guard against log forging: text that came from a request (a username in a refusal's detail, a JSON member
/// name) is logged with its line breaks and other control characters escaped, so it cannot start a fake log line.
/// </summary>
public static class LogText
{
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Any(char.IsControl))
        {
            return value ?? "";
        }
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            escaped.Append(c switch
            {
                '\r' => @"\r",
                '\n' => @"\n",
                '\t' => @"\t",
                _ when char.IsControl(c) => @"\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
