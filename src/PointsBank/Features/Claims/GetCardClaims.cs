using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Communities;
using PointsBank.Features.Rules;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Ledger;
using PointsBank.Rules;

namespace PointsBank.Features.Claims;

/// <summary>A member of the card's household, for the 申报 form: names masked (a card never sees full names).</summary>
public sealed record CardClaimMember(long ResidentId, string MaskedName);

/// <summary>A rule a resident may claim from the card page: fixed points, awarded after review and 公示.</summary>
public sealed record CardClaimRule(string Code, string NameZh, string NameEn, long Points, bool NeedsEvidence);

/// <summary>One of the card's account's claims, as the resident sees it.</summary>
public sealed record CardClaimView
{
    public long Id { get; init; }
    public string Status { get; init; } = "";
    public string RuleCode { get; init; } = "";
    public string RuleNameZh { get; init; } = "";
    public string RuleNameEn { get; init; } = "";
    public string? MemberName { get; init; }
    public DateOnly OccurredOn { get; init; }
    public string? EvidenceNote { get; init; }
    public DateTime SubmittedAt { get; init; }
    public DateTime? NoticeUntil { get; init; }

    /// <summary>The reviewer's note: the reason when rejected.</summary>
    public string? ReviewNote { get; init; }

    public string? WithdrawReason { get; init; }

    /// <summary>The committee's reason when it sustained an objection and the claim stopped.</summary>
    public string? ObjectionReason { get; init; }

    /// <summary>Whether it can still be withdrawn (it has not posted, been rejected, withdrawn or stopped).</summary>
    public bool Withdrawable => Status is ClaimStatus.Submitted or ClaimStatus.Noticed;
}

/// <summary>What the resident's 申报 page shows: today in the community's zone, the household's members, the rules, the claims.</summary>
public sealed record CardClaims(DateOnly Today, IReadOnlyList<CardClaimMember> Members, IReadOnlyList<CardClaimRule> Rules,
    IReadOnlyList<CardClaimView> Claims);

/// <summary>
/// The resident's own claims page (<c>/c/{token}/claims</c>): the members of the card's household (names masked), the
/// rules residents may claim — those whose <c>recordedBy</c> names <c>resident</c>, that award fixed points (a
/// discretionary amount is the committee's to set, so such rules are claimed at the committee's office) — and the
/// account's latest claims with their status. The card's holder only, for its own account.
/// </summary>
[CardHolder]
public sealed record GetCardClaims(long CommunityId, long AccountId) : IRequest<Outcome<CardClaims>>, IQuery, IAccountScoped
{
    public const int Latest = 30;
}

sealed class GetCardClaimsHandler(DbDataSource db, SqlDialect dialect, TimeProvider clock) : IRequestHandler<GetCardClaims, Outcome<CardClaims>>
{
    private const string Community = "SELECT time_zone FROM communities WHERE id = @communityId";

    private const string Members = """
        SELECT r.id AS ResidentId, r.full_name AS FullName
          FROM accounts a JOIN residents r ON r.community_id = a.community_id
         WHERE a.id = @accountId AND a.community_id = @communityId AND r.is_active = 1
           AND ((a.kind = 'household' AND r.household_id = a.household_id) OR (a.kind = 'person' AND r.id = a.resident_id))
         ORDER BY r.id
        """;

    private static readonly DialectSql Claims = new(
        Sqlite: $"""
            SELECT c.id AS Id, c.status AS Status, c.rule_code AS RuleCode, r.full_name AS MemberName, c.occurred_on AS OccurredOn,
                   c.evidence_note AS EvidenceNote, c.submitted_at AS SubmittedAt, c.notice_until AS NoticeUntil, c.review_note AS ReviewNote,
                   c.withdraw_reason AS WithdrawReason,
                   (SELECT MAX(o.decision_reason) FROM claim_objections o WHERE o.claim_id = c.id AND o.decision = 'sustained') AS ObjectionReason
              FROM claims c LEFT JOIN residents r ON r.id = c.member_id
             WHERE c.account_id = @accountId AND c.community_id = @communityId
             ORDER BY c.id DESC LIMIT {GetCardClaims.Latest}
            """,
        SqlServer: $"""
            SELECT TOP ({GetCardClaims.Latest}) c.id AS Id, c.status AS Status, c.rule_code AS RuleCode, r.full_name AS MemberName,
                   c.occurred_on AS OccurredOn, c.evidence_note AS EvidenceNote, c.submitted_at AS SubmittedAt, c.notice_until AS NoticeUntil,
                   c.review_note AS ReviewNote, c.withdraw_reason AS WithdrawReason,
                   (SELECT MAX(o.decision_reason) FROM claim_objections o WHERE o.claim_id = c.id AND o.decision = 'sustained') AS ObjectionReason
              FROM claims c LEFT JOIN residents r ON r.id = c.member_id
             WHERE c.account_id = @accountId AND c.community_id = @communityId
             ORDER BY c.id DESC
            """);

    private sealed record MemberRow(long ResidentId, string FullName);

    public async Task<Outcome<CardClaims>> Handle(GetCardClaims request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var args = new { communityId = request.CommunityId, accountId = request.AccountId };
        if (await connection.ExecuteScalarAsync<string?>(new CommandDefinition(Community, args, cancellationToken: ct)) is not { } timeZone)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var members = await connection.QueryAsync<MemberRow>(new CommandDefinition(Members, args, cancellationToken: ct));
        var rules = await RuleCatalog.ListCurrentAsync(connection, request.CommunityId, ct);
        var names = rules.ToDictionary(r => r.Code);
        var claimable = rules
            .Where(r => r.RecordedBy.Contains(Recorders.Resident) && r.Formula is { Kind: FormulaKind.Fixed, Points: > 0 })
            .Select(r => new CardClaimRule(r.Code, r.NameZh, r.NameEn, r.Formula.Points!.Value, r.NeedsEvidence))
            .ToList();
        var claims = (await connection.QueryAsync<CardClaimView>(new CommandDefinition(dialect.Pick(Claims), args, cancellationToken: ct)))
            .Select(c => c with
            {
                MemberName = c.MemberName is null ? null : PersonalData.MaskName(c.MemberName),
                RuleNameZh = names.TryGetValue(c.RuleCode, out var rule) ? rule.NameZh : c.RuleCode,
                RuleNameEn = rule?.NameEn ?? c.RuleCode,
                SubmittedAt = Clock.AsUtc(c.SubmittedAt),
                NoticeUntil = c.NoticeUntil is { } n ? Clock.AsUtc(n) : null,
            })
            .ToList();
        var today = Projections.LocalDate(Clock.Now(clock), Projections.Zone(timeZone));
        return new CardClaims(today, members.Select(m => new CardClaimMember(m.ResidentId, PersonalData.MaskName(m.FullName))).ToList(),
            claimable, claims);
    }
}
