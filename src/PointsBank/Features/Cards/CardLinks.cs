using Microsoft.AspNetCore.DataProtection;

namespace PointsBank.Features.Cards;

/// <summary>
/// What a card's QR says: <c>&lt;public base URL&gt;/c/&lt;token&gt;</c>. The base is the configured
/// <c>PointsBank:PublicBaseUrl</c> (the address phones in the village can reach, e.g. <c>http://192.168.1.10:5080</c>);
/// unset, it is the base of the request that issues or prints the card, and outside a request (the CLI, the demo seed)
/// the first of <c>Urls</c> or <c>http://localhost:5080</c>. The token itself is kept sealed with the service's
/// data-protection keys (<see cref="Seal"/>) so the committee can print the same card again.
/// </summary>
public sealed class CardLinks(IDataProtectionProvider protection, IConfiguration? configuration = null, IHttpContextAccessor? http = null)
{
    public const string BaseUrlSetting = "PointsBank:PublicBaseUrl";

    // The name the README documented before cards existed; an office that set it keeps working.
    private const string EarlierBaseUrlSetting = "App:PublicBaseUrl";

    private readonly IDataProtector _protector = protection.CreateProtector("PointsBank.CardToken");

    public string Seal(string token) => _protector.Protect(token);

    public string Unseal(string sealedToken) => _protector.Unprotect(sealedToken);

    public string Url(string token) => $"{BaseUrl()}/c/{token}";

    public string UrlOfSealed(string sealedToken) => Url(Unseal(sealedToken));

    public string BaseUrl()
    {
        if ((configuration?[BaseUrlSetting] is { Length: > 0 } set ? set : configuration?[EarlierBaseUrlSetting]) is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }
        if (http?.HttpContext?.Request is { Host.HasValue: true } request)
        {
            return $"{request.Scheme}://{request.Host}{request.PathBase}".TrimEnd('/');
        }
        return (configuration?["Urls"]?.Split(';')[0] is { Length: > 0 } listening ? listening : "http://localhost:5080").TrimEnd('/');
    }
}
