using System.Diagnostics;

namespace PointsBank.Tests.Support;

/// <summary>Decodes the QR codes in an image with zbarimg (Debian's zbar-tools), as an ordinary decoder would read a printed card.</summary>
public static class Zbar
{
    /// <summary>Every QR payload found in the image, one per code (none when nothing decodes).</summary>
    public static async Task<IReadOnlyList<string>> DecodeAsync(string imagePath)
    {
        var start = new ProcessStartInfo("zbarimg", ["--raw", "-q", "-Sdisable", "-Sqrcode.enable", imagePath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("zbarimg did not start (apt-get install zbar-tools)");
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // 0: decoded; 4: no symbol found. Anything else is a broken image or a missing tool.
        if (process.ExitCode is not (0 or 4))
        {
            throw new InvalidOperationException($"zbarimg exited {process.ExitCode}: {errors}");
        }
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Writes the bytes to a temporary file and decodes it.</summary>
    public static async Task<IReadOnlyList<string>> DecodeAsync(byte[] image, string extension = ".png")
    {
        var path = Path.Combine(Path.GetTempPath(), $"pointsbank-qr-{Guid.NewGuid():N}{extension}");
        await File.WriteAllBytesAsync(path, image);
        try
        {
            return await DecodeAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
