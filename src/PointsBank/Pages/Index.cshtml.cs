using MediatR;
using PointsBank.Features.Auth;

namespace PointsBank.Pages;

/// <summary>The home page: per community, a card for each role the signed-in user holds, with what that role can do.</summary>
public sealed class IndexModel(IMediator mediator) : ShellPage
{
    public string DisplayName { get; private set; } = "";

    public IReadOnlyList<CommunityCards> Communities { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var me = await mediator.Send(new GetMe(), ct);
        if (!me.Succeeded)
        {
            throw new InvalidOperationException($"the home page could not read the caller: {me.Failure!.Detail}");
        }
        DisplayName = me.Value!.DisplayName;
        Communities = HomeCards.For(me.Value);
    }
}
