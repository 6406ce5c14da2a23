using QRCoder;

namespace PointsBank.Infrastructure;

/// <summary>
/// The one place QR images are made (DESIGN §7): QRCoder, error correction M, the quiet zone kept, so ordinary decoders
/// and phone cameras read them. Payloads are short: a card's URL or a voucher's code.
/// </summary>
public static class QrCodes
{
    /// <summary>A PNG; <paramref name="pixelsPerModule"/> 10 prints about 4 cm wide for a card URL.</summary>
    public static byte[] Png(string payload, int pixelsPerModule = 10)
    {
        using var data = Encode(payload);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule, drawQuietZones: true);
    }

    /// <summary>An SVG document (scales to any print size); <paramref name="pixelsPerModule"/> sets its nominal size.</summary>
    public static string Svg(string payload, int pixelsPerModule = 10)
    {
        using var data = Encode(payload);
        return new SvgQRCode(data).GetGraphic(pixelsPerModule, "#000000", "#ffffff", drawQuietZones: true);
    }

    /// <summary>A PNG as a <c>data:</c> URI, for an <c>img</c> inside a page or a JSON answer.</summary>
    public static string PngDataUri(string payload, int pixelsPerModule = 10) =>
        "data:image/png;base64," + Convert.ToBase64String(Png(payload, pixelsPerModule));

    private static QRCodeData Encode(string payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(payload);
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
    }
}
