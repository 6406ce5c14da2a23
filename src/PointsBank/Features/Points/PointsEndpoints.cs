using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PointsBank.Infrastructure;
using PointsBank.Features.Accounts;
using PointsBank.Ledger;

namespace PointsBank.Features.Points;

public sealed record OpenAccountBody(string Kind, long OwnerId);

public sealed record AwardBody(long AccountId, long Points, string Reason, string? Category, long? MemberId);

public sealed record DeductBody(long AccountId, long Points, string Reason, string? Category, long? MemberId);

public sealed record ReverseBody(string Reason);

internal static class PointsEndpoints
{
    internal static RouteGroupBuilder MapPoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/communities/{communityId:long}").WithTags("Ledger");

        group.MapGet("/accounts/{accountId:long}/balance",
            async Task<Results<Ok<BalanceView>, ProblemHttpResult>> (long communityId, long accountId, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetBalance(communityId, accountId), ct)))
            .Sends<GetBalance>()
            .WithSummary("Balance, held and available points of an account");

        group.MapGet("/accounts/{accountId:long}/history",
            async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> (long communityId, long accountId, int? page, int? pageSize, IMediator sender,
                HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetHistory(communityId, accountId, page ?? 1, pageSize ?? GetHistory.DefaultPageSize), ct)))
            .Sends<GetHistory>()
            .WithSummary("An account's entries, newest first, with explanations (paged; pageSize at most 100)");

        group.MapGet("/transactions/{seq:long}",
            async Task<Results<Ok<TransactionView>, ProblemHttpResult>> (long communityId, long seq, IMediator sender, HttpContext http, CancellationToken ct) =>
                Problems.Reply(http, await sender.Send(new GetTransaction(communityId, seq), ct)))
            .Sends<GetTransaction>()
            .WithSummary("One transaction with its postings and hash");

        group.MapPost("/accounts",
            async Task<Results<Created<AccountOpened>, ProblemHttpResult>> (long communityId, OpenAccountBody body, IMediator sender, HttpContext http,
                CancellationToken ct) =>
            {
                var outcome = await sender.Send(new OpenAccount(communityId, body.Kind, body.OwnerId), ct);
                return outcome.Succeeded
                    ? TypedResults.Created($"/api/v1/communities/{communityId}/accounts/{outcome.Value!.AccountId}/balance", outcome.Value)
                    : Problems.Result(http, outcome.Failure!);
            })
            .Sends<OpenAccount>()
            .WithSummary("Open a household, person or shop account");

        // Idempotency-Key is required by the requests themselves (after authorization), not by a filter before it.
        group.MapPost("/awards",
            async Task<Results<Created<TransactionView>, Ok<TransactionView>, ProblemHttpResult>> (long communityId, AwardBody body,
                [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, IMediator sender, HttpContext http, CancellationToken ct) =>
                Posted(http, communityId, await sender.Send(new AwardPoints(communityId, body.AccountId, body.Points, body.Reason,
                    body.Category ?? Categories.GoodDeed, body.MemberId, idempotencyKey ?? ""), ct)))
            .Sends<AwardPoints>()
            .WithSummary("Award points with an explicit amount and reason (Idempotency-Key required)");

        group.MapPost("/deductions",
            async Task<Results<Created<TransactionView>, Ok<TransactionView>, ProblemHttpResult>> (long communityId, DeductBody body,
                [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, IMediator sender, HttpContext http, CancellationToken ct) =>
                Posted(http, communityId, await sender.Send(new DeductPoints(communityId, body.AccountId, body.Points, body.Reason,
                    body.Category ?? Categories.Deduction, body.MemberId, idempotencyKey ?? ""), ct)))
            .Sends<DeductPoints>()
            .WithSummary("Deduct points; capped at the available balance under the default policy (Idempotency-Key required)");

        group.MapPost("/transactions/{seq:long}/reversal",
            async Task<Results<Created<TransactionView>, Ok<TransactionView>, ProblemHttpResult>> (long communityId, long seq, ReverseBody body,
                [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, IMediator sender, HttpContext http, CancellationToken ct) =>
                Posted(http, communityId, await sender.Send(new ReverseTransaction(communityId, seq, body.Reason, idempotencyKey ?? ""), ct)))
            .Sends<ReverseTransaction>()
            .WithSummary("Reverse a transaction once, with a reason (Idempotency-Key required)");

        return group;
    }

    // 201 for a new transaction; 200 with Idempotent-Replayed for a replay of the same key and payload.
    private static Results<Created<TransactionView>, Ok<TransactionView>, ProblemHttpResult> Posted(HttpContext http, long communityId,
        Outcome<Posted> outcome)
    {
        if (!outcome.Succeeded)
        {
            return Problems.Result(http, outcome.Failure!);
        }
        var (transaction, replayed) = outcome.Value!;
        if (replayed)
        {
            http.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
            return TypedResults.Ok(transaction);
        }
        return TypedResults.Created($"/api/v1/communities/{communityId}/transactions/{transaction.Seq}", transaction);
    }
}
