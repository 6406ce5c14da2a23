using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// The roster as the committee keeps it in Excel: the active households by door-plate code with grid, address, head of
/// household (the household's first active resident), the head's phone and the other active members. The columns
/// and the sheet name (住户) are the import's, so the .xlsx export, edited, imports again.
/// </summary>
public sealed record RosterExport(long CommunityId, int Households, IReadOnlyList<RosterHouseholdLine> Lines) : ICsvReport
{
    public CsvTable ToCsv() => new("住户.csv", RosterWorkbook.HouseholdColumns,
        [.. Lines.Select(l => (IReadOnlyList<string>)[l.Code, l.Grid, l.Address, l.Head, l.Phone, string.Join("、", l.Members)])]);
}

/// <summary>The roster export (JSON, <c>?format=csv</c> or <c>?format=xlsx</c>): full names and phones, so committee and admins only.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetRosterExport(long CommunityId) : IRequest<Outcome<RosterExport>>, IQuery, ICommunityScoped;

sealed class GetRosterExportHandler(DbDataSource db) : IRequestHandler<GetRosterExport, Outcome<RosterExport>>
{
    private const string Households = """
        SELECT h.id AS Id, h.code AS Code, COALESCE(g.name, '') AS Grid, h.address AS Address
          FROM households h LEFT JOIN grids g ON g.id = h.grid_id
         WHERE h.community_id = @communityId AND h.is_active = 1
         ORDER BY h.code
        """;

    private const string Residents = """
        SELECT household_id AS HouseholdId, full_name AS FullName, phone AS Phone
          FROM residents WHERE community_id = @communityId AND is_active = 1 AND household_id IS NOT NULL
         ORDER BY id
        """;

    private sealed record HouseholdRow
    {
        public long Id { get; init; }
        public string Code { get; init; } = "";
        public string Grid { get; init; } = "";
        public string Address { get; init; } = "";
    }

    private sealed record ResidentRow
    {
        public long HouseholdId { get; init; }
        public string FullName { get; init; } = "";
        public string? Phone { get; init; }
    }

    public async Task<Outcome<RosterExport>> Handle(GetRosterExport request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await Roster.CommunityActiveAsync(connection, null, request.CommunityId, ct) is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        var args = new { communityId = request.CommunityId };
        var households = await connection.QueryAsync<HouseholdRow>(new CommandDefinition(Households, args, cancellationToken: ct));
        var residents = (await connection.QueryAsync<ResidentRow>(new CommandDefinition(Residents, args, cancellationToken: ct))).ToLookup(r => r.HouseholdId);
        var lines = households.Select(h =>
        {
            var people = residents[h.Id].ToList();
            var head = people.FirstOrDefault();
            return new RosterHouseholdLine(0, h.Code, h.Grid, h.Address, head?.FullName ?? "", head?.Phone ?? "",
                [.. people.Skip(1).Select(p => p.FullName)]);
        }).ToList();
        return new RosterExport(request.CommunityId, lines.Count, lines);
    }
}
