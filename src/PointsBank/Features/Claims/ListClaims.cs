using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Claims;

/// <summary>
/// The community's claims, newest first, optionally of one status, each with its objections: the reviewer's queue
/// (<c>?status=submitted</c>) and the committee's (<c>?status=noticed</c> for objections to decide). Names masked for
/// callers who may not see personal data. <c>?accountId=</c> narrows it to one account's claims (the account page's
/// waiting claims).
/// </summary>
[Allow(Role.Reviewer, Role.Committee)]
public sealed record ListClaims(long CommunityId, string? Status = null, long? AccountId = null)
    : IRequest<Outcome<IReadOnlyList<ClaimView>>>, IValidated, IQuery, ICommunityWide
{
    public IEnumerable<FieldError> Validate()
    {
        if (Status is not null && !ClaimStatus.All.Contains(Status))
        {
            yield return new FieldError("status", $"须为 {string.Join("、", ClaimStatus.All)} 之一", $"must be one of {string.Join(", ", ClaimStatus.All)}");
        }
    }
}

sealed class ListClaimsHandler(DbDataSource db, CallerContext callers) : IRequestHandler<ListClaims, Outcome<IReadOnlyList<ClaimView>>>
{
    public async Task<Outcome<IReadOnlyList<ClaimView>>> Handle(ListClaims request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { communityId = request.CommunityId, status = request.Status, accountId = request.AccountId };
        var rows = await connection.QueryAsync<ClaimStore.Row>(new CommandDefinition(ClaimStore.SelectByStatus, args, cancellationToken: ct));
        var objections = (await connection.QueryAsync<ObjectionView>(new CommandDefinition(ClaimStore.SelectObjections, args, cancellationToken: ct)))
            .Select(o => o with { CreatedAt = Clock.AsUtc(o.CreatedAt), DecidedAt = o.DecidedAt is { } d ? Clock.AsUtc(d) : null })
            .ToLookup(o => o.ClaimId);
        var visible = PersonalData.Visible(callers.Current, request.CommunityId);
        var views = rows.Select(r => r.ToView(visible, objections[r.Id].ToList())).ToList();
        var names = await ActorNames.LookupAsync(connection, views.SelectMany(v => v.Actors()), ct);
        return views.Select(v => v with { ActorNames = ActorNames.Of(names, [.. v.Actors()]) }).ToList();
    }
}

/// <summary>One claim on the public 公示 list: the rule, the masked name, the day, and until when one may object.</summary>
public sealed record NoticeView(long ClaimId, string RuleCode, string RuleNameZh, string RuleNameEn, string? MemberName, string? HouseholdCode,
    DateOnly OccurredOn, DateTime NoticeUntil, bool ObjectionPending);

/// <summary>
/// The public 公示 list: the community's approved claims in their objection window, names masked (张*明) whoever
/// asks. Public and scoped to the community it names, so its endpoint carries the public rate limit.
/// </summary>
[PublicAccess]
public sealed record ListNotices(long CommunityId) : IRequest<Outcome<IReadOnlyList<NoticeView>>>, IQuery, ICommunityScoped;

sealed class ListNoticesHandler(DbDataSource db) : IRequestHandler<ListNotices, Outcome<IReadOnlyList<NoticeView>>>
{
    private const string Select = """
        SELECT c.id AS ClaimId, c.rule_code AS RuleCode, r.full_name AS MemberName, h.code AS HouseholdCode,
               c.occurred_on AS OccurredOn, c.notice_until AS NoticeUntil,
               (SELECT COUNT(*) FROM claim_objections o WHERE o.claim_id = c.id AND o.decision IS NULL) AS PendingObjections
          FROM claims c
          JOIN accounts a ON a.id = c.account_id
          LEFT JOIN residents r ON r.id = c.member_id
          LEFT JOIN residents p ON a.kind = 'person' AND p.id = a.resident_id
          LEFT JOIN households h ON h.id = COALESCE(a.household_id, p.household_id)
         WHERE c.community_id = @communityId AND c.status = 'noticed'
         ORDER BY c.notice_until, c.id
        """;

    private sealed record Row
    {
        public long ClaimId { get; init; }
        public string RuleCode { get; init; } = "";
        public string? MemberName { get; init; }
        public string? HouseholdCode { get; init; }
        public DateOnly OccurredOn { get; init; }
        public DateTime NoticeUntil { get; init; }
        public long PendingObjections { get; init; }
    }

    public async Task<Outcome<IReadOnlyList<NoticeView>>> Handle(ListNotices request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(Select, new { communityId = request.CommunityId }, cancellationToken: ct));
        var rules = (await RuleCatalog.ListCurrentAsync(connection, request.CommunityId, ct)).ToDictionary(r => r.Code);
        return rows.Select(r => new NoticeView(r.ClaimId, r.RuleCode,
            rules.TryGetValue(r.RuleCode, out var rule) ? rule.NameZh : r.RuleCode, rule?.NameEn ?? r.RuleCode,
            r.MemberName is null ? null : PersonalData.MaskName(r.MemberName), r.HouseholdCode, r.OccurredOn, Clock.AsUtc(r.NoticeUntil),
            r.PendingObjections > 0)).ToList();
    }
}
