using PointsBank.Features.Cards;

namespace PointsBank.Pages.Cards;

/// <summary>One printed card (85.6 × 54 mm): the community, the masked holder and door-plate code, the QR fetched from the API by URL.</summary>
public sealed record PrintedCard(long CommunityId, string CommunityName, CardLabel Label)
{
    public string QrSrc => $"/api/v1/communities/{CommunityId}/cards/{Label.CardId}/qr.svg";
}
