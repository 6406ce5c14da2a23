using System.Text.Json.Serialization;
using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;

namespace PointsBank.Features.Accounts;

public sealed record AccountOpened(long AccountId, string Kind, long OwnerId);

/// <summary>
/// Opens a points account for a household (以户为单位), a person (以人为单位) or a shop. An owner has at most one
/// account; system accounts are created with the community.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record OpenAccount([property: JsonIgnore] long CommunityId, string Kind, long OwnerId, [property: JsonIgnore] string? IdempotencyKey = null)
    : IRequest<Outcome<AccountOpened>>, IValidated, ICommunityScoped, IIdempotent
{
    /// <summary>Optional here: a client that may retry sends one so the retry creates nothing twice.</summary>
    bool IIdempotent.KeyRequired => false;

    public IEnumerable<FieldError> Validate()
    {
        if (Kind is not ("household" or "person" or "shop"))
        {
            yield return new FieldError(nameof(Kind), "须为 household、person 或 shop", "must be 'household', 'person' or 'shop'");
        }
        foreach (var e in Check.Positive(nameof(OwnerId), OwnerId)) yield return e;
    }
}

sealed class OpenAccountHandler(UnitOfWork work, PointsBank.Ledger.PointsLedger ledger) : IRequestHandler<OpenAccount, Outcome<AccountOpened>>
{
    private const string HouseholdCode = "SELECT code FROM households WHERE id = @ownerId AND community_id = @communityId";
    private const string ResidentExists = "SELECT CAST(id AS varchar(20)) FROM residents WHERE id = @ownerId AND community_id = @communityId";
    private const string ShopName = "SELECT name FROM shops WHERE id = @ownerId AND community_id = @communityId";

    private const string AccountMode = "SELECT account_mode FROM communities WHERE id = @communityId";

    private const string HouseholdAccount = "SELECT id FROM accounts WHERE household_id = @ownerId";
    private const string PersonAccount = "SELECT id FROM accounts WHERE resident_id = @ownerId";
    private const string ShopAccount = "SELECT id FROM accounts WHERE shop_id = @ownerId";

    public async Task<Outcome<AccountOpened>> Handle(OpenAccount request, CancellationToken ct)
    {
        var kind = Enum.Parse<AccountKind>(request.Kind, ignoreCase: true);
        var (connection, tx) = (work.Connection, work.Transaction);
        var args = new { ownerId = request.OwnerId, communityId = request.CommunityId };
        // A community that keeps points per household (以户为单位) credits residents through their household's account.
        if (kind == AccountKind.Person
            && await connection.ExecuteScalarAsync<string?>(new CommandDefinition(AccountMode, args, tx, cancellationToken: ct)) == "household")
        {
            return new Failure("person_accounts_off", $"community {request.CommunityId} keeps points per household and opens no person accounts");
        }
        var label = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(kind switch
        {
            AccountKind.Household => HouseholdCode,
            AccountKind.Person => ResidentExists,
            _ => ShopName,
        }, args, tx, cancellationToken: ct));
        if (label is null)
        {
            return new Failure("owner_not_found", $"{request.Kind} {request.OwnerId} does not exist in community {request.CommunityId}");
        }
        var existing = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(kind switch
        {
            AccountKind.Household => HouseholdAccount,
            AccountKind.Person => PersonAccount,
            _ => ShopAccount,
        }, args, tx, cancellationToken: ct));
        if (existing is { } existingId)
        {
            return new Failure("account_exists", $"{request.Kind} {request.OwnerId} already has account {existingId}");
        }
        // Account names never carry a person's full name: they show up in shop-facing and public views.
        var name = kind switch
        {
            AccountKind.Household => $"户 {label}",
            AccountKind.Person => $"居民 #{label}",
            _ => $"商家 {label}",
        };
        var accountId = await ledger.OpenAccountAsync(work, request.CommunityId, kind, request.OwnerId, null, name, ct);
        return new AccountOpened(accountId, request.Kind, request.OwnerId);
    }
}
