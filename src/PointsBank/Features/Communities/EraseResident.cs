using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MediatR;
using PointsBank.Data;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>What an erasure did: the resident as now stored, and how many earlier history rows were redacted.</summary>
public sealed record ResidentErased(long ResidentId, string FullName, int HistoryRowsRedacted, DateTime ErasedAt);

/// <summary>
/// Erases a departed resident's name and phone (个人信息保护法: deletion once the purpose is over). Only a deactivated
/// resident: the name becomes <see cref="Placeholder"/>, the phone goes; the change is recorded in the change history
/// through the roster's one write path, and the name and phone in the resident's earlier history rows are replaced by
/// <see cref="Redacted"/>. The ledger is not touched: its rows carry account and member ids, never names, so the chain
/// and every hash stay as they were. Once only. Committee and admins; the audit row has the ids.
/// </summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record EraseResident(long CommunityId, long ResidentId) : IRequest<Outcome<ResidentErased>>, ICommunityScoped
{
    public const string Placeholder = "已注销居民";
    public const string Redacted = "（已删除）";
}

sealed class EraseResidentHandler(UnitOfWork work, CallerContext callers) : IRequestHandler<EraseResident, Outcome<ResidentErased>>
{
    private const string Erase = "UPDATE residents SET full_name = @placeholder, phone = NULL WHERE id = @id AND community_id = @communityId";

    private const string AlreadyErased = "SELECT COUNT(*) FROM personal_data_erasures WHERE community_id = @communityId AND resident_id = @id";

    private const string History = """
        SELECT id AS Id, before_json AS BeforeJson, after_json AS AfterJson FROM entity_changes
         WHERE community_id = @communityId AND entity = 'resident' AND entity_id = @id
        """;

    private const string Redact = "UPDATE entity_changes SET before_json = @before, after_json = @after WHERE id = @rowId AND community_id = @communityId";

    private const string Record = """
        INSERT INTO personal_data_erasures (community_id, resident_id, erased_at, erased_by, history_rows)
        VALUES (@communityId, @id, @now, @actor, @rows)
        """;

    private sealed record HistoryRow
    {
        public long Id { get; init; }
        public string? BeforeJson { get; init; }
        public string? AfterJson { get; init; }
    }

    public async Task<Outcome<ResidentErased>> Handle(EraseResident request, CancellationToken ct)
    {
        var (connection, tx) = (work.Connection, work.Transaction);
        var args = new { communityId = request.CommunityId, id = request.ResidentId, placeholder = EraseResident.Placeholder };
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(AlreadyErased, args, tx, cancellationToken: ct)) > 0)
        {
            return new Failure("resident_already_erased", $"resident {request.ResidentId} was erased already");
        }
        var changed = await Roster.ChangeAsync<ResidentRow>(new RosterWrite(work, callers.Current.Actor), Roster.Residents,
            request.CommunityId, request.ResidentId, RosterChange.Update,
            (_, _, before) => Task.FromResult(before.IsActive
                ? new Failure("resident_still_active", $"resident {request.ResidentId} is active; deactivate (迁出) first")
                : null),
            Erase, args, ct);
        if (!changed.Succeeded)
        {
            return changed.Failure!;
        }
        // Every history row of the resident, the one just written included: its "before" held the name and phone.
        var rows = (await connection.QueryAsync<HistoryRow>(new CommandDefinition(History, args, tx, cancellationToken: ct))).ToList();
        foreach (var row in rows)
        {
            await connection.ExecuteAsync(new CommandDefinition(Redact, new
            {
                rowId = row.Id,
                communityId = request.CommunityId,
                before = RedactJson(row.BeforeJson),
                after = RedactJson(row.AfterJson),
            }, tx, cancellationToken: ct));
        }
        await connection.ExecuteAsync(new CommandDefinition(Record, new { args.communityId, args.id, now = work.Now, actor = callers.Current.Actor, rows = rows.Count },
            tx, cancellationToken: ct));
        return new ResidentErased(request.ResidentId, changed.Value!.FullName, rows.Count, work.Now);
    }

    // The placeholder stays readable as what the row became; any other name or phone is replaced.
    private static string? RedactJson(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonObject row)
        {
            return json;
        }
        if (row["fullName"] is JsonValue name && name.GetValue<string>() != EraseResident.Placeholder)
        {
            row["fullName"] = EraseResident.Redacted;
        }
        if (row["phone"] is JsonValue)
        {
            row["phone"] = EraseResident.Redacted;
        }
        return row.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
