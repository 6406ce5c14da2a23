using MediatR;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>The roster workbook: the template, the import (with its dry run) and the export.</summary>
internal static class RosterEndpoints
{
    /// <summary>An .xlsx of 1,800 households is a few hundred kilobytes; this leaves room for notes and formatting.</summary>
    public const int MaxWorkbookBytes = 20 * 1024 * 1024;

    internal static void MapRoster(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}/roster").WithTags("Roster");

        group.MapGet("/template.xlsx", async Task<IResult> (long communityId, IMediator sender, HttpContext http, CancellationToken ct) =>
                await sender.Send(new GetRosterTemplate(communityId), ct) is var outcome && outcome.Succeeded
                    ? TypedResults.File(outcome.Value!, RosterWorkbook.ContentType, "花名册导入模板.xlsx")
                    : Problems.Result(http, outcome.Failure!))
            .Sends<GetRosterTemplate>()
            .Produces(StatusCodes.Status200OK, contentType: RosterWorkbook.ContentType)
            .WithSummary("The committee's roster template (.xlsx, Chinese headers: 说明, 网格, 住户)");

        group.MapPost("/import", async Task<IResult> (long communityId, bool? dryRun, HttpContext http, IMediator sender, CancellationToken ct) =>
            {
                if (!string.Equals(http.Request.ContentType?.Split(';')[0].Trim(), RosterWorkbook.ContentType, StringComparison.OrdinalIgnoreCase))
                {
                    return Problems.Result(http, new Failure("roster_not_xlsx", $"send the workbook as {RosterWorkbook.ContentType}"));
                }
                if (http.Request.ContentLength > MaxWorkbookBytes)
                {
                    return Problems.Result(http, new Failure("payload_too_large", $"the workbook may be at most {MaxWorkbookBytes} bytes"));
                }
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body, ct);
                if (body.Length > MaxWorkbookBytes)
                {
                    return Problems.Result(http, new Failure("payload_too_large", $"the workbook may be at most {MaxWorkbookBytes} bytes"));
                }
                var outcome = await sender.Send(new ImportRoster(communityId, body.ToArray(), dryRun ?? false), ct);
                if (!outcome.Succeeded)
                {
                    return Problems.Result(http, outcome.Failure!);
                }
                // A real import refused for its errors is a 422 with the same body as the dry run; nothing was written.
                return outcome.Value!.Errors.Count > 0 && !outcome.Value.DryRun
                    ? TypedResults.Json(outcome.Value, statusCode: StatusCodes.Status422UnprocessableEntity)
                    : TypedResults.Ok(outcome.Value);
            })
            .Sends<ImportRoster>()
            .Produces<RosterImportResult>(StatusCodes.Status200OK)
            .Produces<RosterImportResult>(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Import the roster workbook (?dryRun=true checks only): every problem by sheet, row and column; all or nothing");

        routes.MapReport<GetRosterExport>("/api/v1/communities/{communityId:long}/roster").WithTags("Roster")
            .WithSummary("The roster: households with grid, door-plate, head, phone and members (?format=csv or xlsx; the .xlsx imports again)");
    }
}
