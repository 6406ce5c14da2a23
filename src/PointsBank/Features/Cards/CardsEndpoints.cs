using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Cards;

internal static class CardsEndpoints
{
    internal static RouteGroupBuilder MapCards(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Cards");

        group.MapCommand<IssueCard>("/accounts/{accountId:long}/card", Reply.Created("/api/v1/communities/{communityId}/accounts/{accountId}/card"))
            .NoStore()
            .WithSummary("发卡/补办: issue the account a card (its url is what the QR encodes); the account's old card is revoked at once");

        group.MapQuery<GetAccountCard>("/accounts/{accountId:long}/card")
            .WithSummary("The account's active card: issued, has a PIN, locked, wrong PINs in a row (never the token)");

        group.MapCommand<IssueGridCards>("/grids/{gridId:long}/cards")
            .WithSummary("批量发卡: a card for every household (or resident) of the grid that has none, in one unit");

        group.MapQuery<GetGridCards>("/grids/{gridId:long}/cards")
            .NoStore()
            .WithSummary("The grid's active cards with their URLs and masked holders, for the printed A4 sheet");

        group.MapGet("/cards/{cardId:long}/qr.png", (long communityId, long cardId, IMediator sender, HttpContext http, CancellationToken ct) =>
                QrAsync(communityId, cardId, sender, http, url => TypedResults.File(QrCodes.Png(url), "image/png"), ct))
            .Sends<GetCardLabel>()
            .WithSummary("The card's QR as a PNG (what is printed on the card)");

        group.MapGet("/cards/{cardId:long}/qr.svg", (long communityId, long cardId, IMediator sender, HttpContext http, CancellationToken ct) =>
                QrAsync(communityId, cardId, sender, http, url => TypedResults.File(System.Text.Encoding.UTF8.GetBytes(QrCodes.Svg(url)), "image/svg+xml"), ct))
            .Sends<GetCardLabel>()
            .WithSummary("The card's QR as an SVG (prints sharp at any size)");

        group.MapCommand<SetCardPin>("/cards/{cardId:long}/pin", method: HttpMethods.Put)
            .WithSummary("Set the card's PIN (4 to 6 digits) with the resident; the wrong-PIN count starts again");

        group.MapCommand<UnlockCard>("/cards/{cardId:long}/unlock").WithSummary("Unlock a card locked by wrong PINs, with a reason");

        group.MapCommand<RevokeCard>("/cards/{cardId:long}/revoke").WithSummary("挂失: revoke a card, with a reason; its QR then shows “card not valid”");

        return group;
    }

    // Only an active card's QR is given; it carries the token, so no cache may keep it.
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> QrAsync(long communityId, long cardId, IMediator sender,
        HttpContext http, Func<string, FileContentHttpResult> image, CancellationToken ct)
    {
        var label = await sender.Send(new GetCardLabel(communityId, cardId), ct);
        if (!label.Succeeded)
        {
            return Problems.Result(http, label.Failure!);
        }
        http.Response.Headers.CacheControl = "no-store";
        return image(label.Value!.Url);
    }
}
