using System.Data.Common;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>
/// What an import (or its dry run) found and did. <see cref="Created"/>, <see cref="Updated"/> and
/// <see cref="Unchanged"/> count households; with any error nothing was written and the counts say what the file
/// would do once corrected.
/// </summary>
public sealed record RosterImportResult(bool DryRun, bool Imported, IReadOnlyList<RosterImportError> Errors, int Created, int Updated,
    int Unchanged, int GridsCreated, int ResidentsCreated, int ResidentsUpdated, int ResidentsDeactivated, int AccountsOpened)
{
    /// <summary>
    /// The households the file adds, in the file's order: by code on a check; once imported also with their ids and
    /// the account their points go to (the household's, or the head's own in person mode), so the page can link them.
    /// </summary>
    public IReadOnlyList<RosterNewHousehold> NewHouseholds { get; init; } = [];
}

/// <summary>One household a roster import adds: its code, and after the import its id and account.</summary>
public sealed record RosterNewHousehold(string Code, long? HouseholdId = null, long? AccountId = null);

/// <summary>
/// Imports the committee's roster workbook (<see cref="RosterWorkbook"/>): every problem is reported by sheet, row and
/// column before anything is written; with none, the whole file is written in the request's one unit of work, each
/// change through the roster's own requests (<see cref="AddHousehold"/>, <see cref="UpdateHousehold"/>,
/// <see cref="AddResident"/>…) so each lands in the change history like an edit by hand. A household is matched by its
/// door-plate code, a person within the household by name; what is already as the file says is not touched, so the
/// same file twice changes nothing. Committee and admins. The workbook stays out of the audit row ([Secret]).
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record ImportRoster(long CommunityId, [property: Secret] byte[] Workbook, bool DryRun = false)
    : IRequest<Outcome<RosterImportResult>>, ICommunityScoped, IBulkWrite;

sealed class ImportRosterHandler(UnitOfWork work, IMediator mediator) : IRequestHandler<ImportRoster, Outcome<RosterImportResult>>
{
    private const string Community = "SELECT is_active AS IsActive, account_mode AS AccountMode FROM communities WHERE id = @communityId";
    private const string Grids = "SELECT id AS Id, name AS Name, is_active AS IsActive FROM grids WHERE community_id = @communityId";

    private const string Households = """
        SELECT h.id AS Id, h.grid_id AS GridId, h.code AS Code, h.address AS Address, h.is_active AS IsActive
          FROM households h WHERE h.community_id = @communityId
        """;

    private const string Residents = """
        SELECT id AS Id, household_id AS HouseholdId, full_name AS FullName, phone AS Phone, is_active AS IsActive
          FROM residents WHERE community_id = @communityId AND household_id IS NOT NULL ORDER BY id
        """;

    // Settable properties: Dapper converts SQLite's integers to bool only when it sets properties.
    private sealed record CommunityRow
    {
        public bool IsActive { get; init; }
        public string AccountMode { get; init; } = "";
    }

    private sealed record GridRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public bool IsActive { get; init; }
    }

    private sealed record HouseholdRow
    {
        public long Id { get; init; }
        public long? GridId { get; init; }
        public string Code { get; init; } = "";
        public string Address { get; init; } = "";
        public bool IsActive { get; init; }
    }

    private sealed record ResidentRow
    {
        public long Id { get; init; }
        public long? HouseholdId { get; init; }
        public string FullName { get; init; } = "";
        public string? Phone { get; init; }
        public bool IsActive { get; init; }
    }

    /// <summary>One person of a household line: matched to a resident row or new.</summary>
    private sealed record Person(string Name, string? Phone, bool IsHead, ResidentRow? Match)
    {
        public bool Reactivate => Match is { IsActive: false };
        public bool NewPhone => IsHead && Match is not null && Match.Phone != Phone;
    }

    /// <summary>What one household line needs.</summary>
    private sealed record Plan(RosterHouseholdLine Line, HouseholdRow? Household, IReadOnlyList<Person> People, IReadOnlyList<ResidentRow> Leaving,
        bool HouseholdChanged)
    {
        public bool Unchanged => Household is not null && !HouseholdChanged && Leaving.Count == 0
                                 && People.All(p => p.Match is not null && !p.Reactivate && !p.NewPhone);
    }

    public async Task<Outcome<RosterImportResult>> Handle(ImportRoster request, CancellationToken ct)
    {
        var content = RosterWorkbook.Read(request.Workbook);
        if (content is null)
        {
            return new Failure("roster_file_invalid", "the body is not an .xlsx workbook; download the template and fill it in");
        }
        var (connection, tx) = (work.Connection, work.Transaction);
        var args = new { communityId = request.CommunityId };
        var community = await connection.QuerySingleOrDefaultAsync<CommunityRow>(new CommandDefinition(Community, args, tx, cancellationToken: ct));
        if (community is null)
        {
            return new Failure("community_not_found", $"community {request.CommunityId} does not exist");
        }
        if (!community.IsActive)
        {
            return new Failure("community_inactive", $"community {request.CommunityId} is deactivated");
        }
        var grids = (await connection.QueryAsync<GridRow>(new CommandDefinition(Grids, args, tx, cancellationToken: ct)))
            .ToDictionary(g => g.Name, StringComparer.Ordinal);
        var households = (await connection.QueryAsync<HouseholdRow>(new CommandDefinition(Households, args, tx, cancellationToken: ct)))
            .ToDictionary(h => h.Code, StringComparer.Ordinal);
        var residents = (await connection.QueryAsync<ResidentRow>(new CommandDefinition(Residents, args, tx, cancellationToken: ct)))
            .ToLookup(r => r.HouseholdId!.Value);

        var errors = content.Errors;
        foreach (var grid in content.Grids.Where(g => grids.TryGetValue(g.Name, out var row) && !row.IsActive))
        {
            errors.Add(new RosterImportError(RosterWorkbook.GridSheet, grid.Row, "A", RosterWorkbook.GridColumns[0],
                $"网格“{grid.Name}”已停用：请先在系统中恢复它，或换一个名称"));
        }
        var newGrids = content.Grids.Where(g => !grids.ContainsKey(g.Name)).Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        var plans = new List<Plan>();
        foreach (var line in content.Households)
        {
            households.TryGetValue(line.Code, out var household);
            if (line.Grid.Length > 0 && !newGrids.Contains(line.Grid))
            {
                if (!grids.TryGetValue(line.Grid, out var grid))
                {
                    errors.Add(new RosterImportError(RosterWorkbook.HouseholdSheet, line.Row, "B", RosterWorkbook.HouseholdColumns[1],
                        $"网格“{line.Grid}”不存在：请在“网格”表中列出它，或改成已有的网格"));
                    continue;
                }
                if (!grid.IsActive && household?.GridId != grid.Id)
                {
                    errors.Add(new RosterImportError(RosterWorkbook.HouseholdSheet, line.Row, "B", RosterWorkbook.HouseholdColumns[1],
                        $"网格“{line.Grid}”已停用，不能再迁入住户"));
                    continue;
                }
            }
            if (!line.Faulty)
            {
                plans.Add(PlanFor(line, household, household is null ? [] : residents[household.Id].ToList(), grids));
            }
        }

        var result = new RosterImportResult(request.DryRun, Imported: false, errors.OrderBy(e => e.Sheet == RosterWorkbook.GridSheet ? 0 : 1)
                .ThenBy(e => e.Row).ThenBy(e => e.Column, StringComparer.Ordinal).ToList(),
            Created: plans.Count(p => p.Household is null),
            Updated: plans.Count(p => p.Household is not null && !p.Unchanged),
            Unchanged: plans.Count(p => p.Unchanged),
            GridsCreated: newGrids.Count,
            ResidentsCreated: plans.Sum(p => p.People.Count(person => person.Match is null)),
            ResidentsUpdated: plans.Sum(p => p.People.Count(person => person.Reactivate || person.NewPhone)),
            ResidentsDeactivated: plans.Sum(p => p.Leaving.Count),
            AccountsOpened: community.AccountMode == "household"
                ? plans.Count(p => p.Household is null)
                : plans.Sum(p => p.People.Count(person => person.Match is null)));
        result = result with { NewHouseholds = plans.Where(p => p.Household is null).Select(p => new RosterNewHousehold(p.Line.Code)).ToList() };
        if (request.DryRun || result.Errors.Count > 0)
        {
            return result;
        }

        foreach (var name in content.Grids.Select(g => g.Name).Where(newGrids.Contains))
        {
            var added = await mediator.Send(new AddGrid(request.CommunityId, name), ct);
            if (!added.Succeeded)
            {
                return added.Failure!;
            }
            grids[name] = new GridRow { Id = added.Value!.GridId, Name = name, IsActive = true };
        }
        var personAccounts = community.AccountMode != "household";
        var created = new List<RosterNewHousehold>();
        foreach (var plan in plans.Where(p => !p.Unchanged))
        {
            if (await WriteAsync(request.CommunityId, plan, plan.Line.Grid.Length == 0 ? null : grids[plan.Line.Grid].Id, personAccounts, created, ct) is { } failed)
            {
                return failed;
            }
        }
        return result with { Imported = true, NewHouseholds = created };
    }

    private static Plan PlanFor(RosterHouseholdLine line, HouseholdRow? household, List<ResidentRow> current, Dictionary<string, GridRow> grids)
    {
        var phone = ResidentFields.Phone(line.Phone);
        var unmatched = current.ToList();
        var people = new List<Person>();
        foreach (var (name, isHead) in new[] { (line.Head, true) }.Concat(line.Members.Select(m => (m, false))))
        {
            // The active resident of that name first, then a departed one coming back.
            var match = unmatched.FirstOrDefault(r => r.IsActive && r.FullName == name) ?? unmatched.FirstOrDefault(r => r.FullName == name);
            if (match is not null)
            {
                unmatched.Remove(match);
            }
            people.Add(new Person(name, isHead ? phone : match?.Phone, isHead, match));
        }
        long? gridId = line.Grid.Length == 0 ? null : grids.TryGetValue(line.Grid, out var grid) ? grid.Id : -1;
        var changed = household is not null && (household.GridId != gridId || household.Address != line.Address || !household.IsActive);
        return new Plan(line, household, people, unmatched.Where(r => r.IsActive).ToList(), changed);
    }

    // Each change through the roster's own request, which joins this unit of work and records its history.
    private async Task<Failure?> WriteAsync(long communityId, Plan plan, long? gridId, bool personAccounts, List<RosterNewHousehold> created,
        CancellationToken ct)
    {
        long householdId;
        long? accountId = null;
        if (plan.Household is null)
        {
            var added = await Enrolment.AddHouseholdAsync(mediator, communityId, gridId, plan.Line.Code, plan.Line.Address, personAccounts, ct);
            if (!added.Succeeded)
            {
                return added.Failure;
            }
            (householdId, accountId) = added.Value;
        }
        else
        {
            householdId = plan.Household.Id;
            if (plan.HouseholdChanged)
            {
                if (Failed(await mediator.Send(new UpdateHousehold(communityId, householdId, gridId, plan.Line.Code, plan.Line.Address), ct)) is { } f)
                {
                    return f;
                }
                if (!plan.Household.IsActive && Failed(await mediator.Send(new ReactivateHousehold(communityId, householdId), ct)) is { } r)
                {
                    return r;
                }
            }
        }
        foreach (var leaving in plan.Leaving)
        {
            if (Failed(await mediator.Send(new DeactivateResident(communityId, leaving.Id), ct)) is { } f)
            {
                return f;
            }
        }
        foreach (var person in plan.People)
        {
            if (person.Match is null)
            {
                var added = await Enrolment.AddPersonAsync(mediator, communityId, householdId, person.Name, person.Phone, personAccounts, ct);
                if (!added.Succeeded)
                {
                    return added.Failure;
                }
                // In person mode a new household's first person (its head) has the account the page links to.
                accountId ??= added.Value.AccountId;
                continue;
            }
            if (person.NewPhone && Failed(await mediator.Send(new UpdateResident(communityId, person.Match.Id, householdId, person.Name, person.Phone), ct)) is { } u)
            {
                return u;
            }
            if (person.Reactivate && Failed(await mediator.Send(new ReactivateResident(communityId, person.Match.Id), ct)) is { } r)
            {
                return r;
            }
        }
        if (plan.Household is null)
        {
            created.Add(new RosterNewHousehold(plan.Line.Code, householdId, accountId));
        }
        return null;
    }

    private static Failure? Failed<T>(Outcome<T> outcome) => outcome.Failure;
}
