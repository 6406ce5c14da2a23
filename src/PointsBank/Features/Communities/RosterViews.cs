using PointsBank.Data;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

// Rows are records with settable properties rather than positional records: Dapper converts SQLite's text
// timestamps only when it sets properties. The setters make every stored time UTC on the way in, so a row read
// before a change compares equal to the same row read after it when nothing changed.

/// <summary>A roster row the shared write path can lock, change and record.</summary>
internal interface IRosterRow
{
    long Id { get; }
    bool IsActive { get; }
}

public sealed record CommunityView : IRosterRow
{
    public long Id { get; init; }
    public string Code { get; init; } = "";
    public string Name { get; init; } = "";
    public string TimeZone { get; init; } = "";
    public string AccountMode { get; init; } = "";
    public string PenaltyPolicy { get; init; } = "";
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
}

public sealed record GridView : IRosterRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
}

public sealed record HouseholdView : IRosterRow
{
    public long Id { get; init; }
    public long? GridId { get; init; }
    public string Code { get; init; } = "";
    public string Address { get; init; } = "";
    public long? AccountId { get; init; }
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
}

public sealed record ShopView : IRosterRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";

    /// <summary><c>supermarket</c> (积分超市: goods priced in points) or <c>partner</c> (爱心商家: takes points for an amount).</summary>
    public string Kind { get; init; } = ShopKinds.Supermarket;
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }
}

/// <summary>A resident as stored, with full personal data: for the change history and for callers who may see it.</summary>
internal sealed record ResidentRow : IRosterRow
{
    public long Id { get; init; }
    public long? HouseholdId { get; init; }
    public string FullName { get; init; } = "";
    public string? Phone { get; init; }
    public long? AccountId { get; init; }
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init => field = Clock.AsUtc(value); }

    /// <summary>The resident as this caller may see them: see <see cref="PersonalData"/>.</summary>
    public ResidentView View(bool personalData) => personalData
        ? new ResidentView(Id, HouseholdId, FullName, Phone, IsActive, CreatedAt, NameMasked: false, AccountId)
        : new ResidentView(Id, HouseholdId, PersonalData.MaskName(FullName), null, IsActive, CreatedAt, NameMasked: true, AccountId);
}

/// <summary>
/// A resident, with their person account if they have one. For callers who may not see personal data the name is
/// masked (张*明) and the phone is null.
/// </summary>
public sealed record ResidentView(long Id, long? HouseholdId, string FullName, string? Phone, bool IsActive, DateTime CreatedAt, bool NameMasked,
    long? AccountId);

/// <summary>One page of a roster list, in a stable order.</summary>
public sealed record RosterPage<T>(int Page, int PageSize, long Total, IReadOnlyList<T> Items)
{
    public bool HasMore => (long)Page * PageSize < Total;
}
