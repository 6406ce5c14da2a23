using MediatR;
using PointsBank.Features.Users;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Cli;

/// <summary>
/// <c>admin</c> sub-verbs, run by an operator at the server (who has the database anyway), through the same
/// requests and pipeline as the API, audited as <c>cli:&lt;os user&gt;</c>.
/// </summary>
internal static class AdminVerbs
{
    public const string Usage = """
        usage: PointsBank admin <command> [--option value ...]
          bootstrap     --username U --name "显示名" [--password P]     first system administrator (only while there is none)
          create-user   --username U --name "显示名" [--password P]
          create-community --code C --name "村名" [--time-zone Asia/Shanghai]   a community (村/社区), for the first sign-in
          grant         --username U --community ID --role ROLE [--grid ID] [--shop ID]
          grant-system-admin --username U
          revoke        --username U --community ID --role ROLE
          issue-token   --username U [--name NAME] [--days N]            prints the token once
          revoke-token  --id TOKEN_ID
          deactivate-user --username U                                   sign-in and every token stop at once
          reactivate-user --username U
        roles: admin, committee, reviewer, inspector, organizer, shopkeeper
        Without --password the password is read from standard input (one line), so it stays out of the shell history.
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var options = Options(args[1..]);
        if (options is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        using var scope = services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CallerContext>().Current = Caller.Cli(Environment.UserName);
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        string Need(string key) => options.TryGetValue(key, out var value) ? value : throw new ArgumentException($"--{key} is required");
        long? OptionalId(string key) => options.TryGetValue(key, out var value) ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

        try
        {
            switch (args[0])
            {
                case "bootstrap":
                    if (await scope.ServiceProvider.GetRequiredService<UserStore>().AnySystemAdminAsync(CancellationToken.None))
                    {
                        Console.Error.WriteLine("refused: a system administrator exists already; use create-user and grant-system-admin");
                        return 1;
                    }
                    return Report(await mediator.Send(new CreateUser(Need("username"), Need("name"), Password(options))), u => $"created user {u.Username}")
                        ?? Report(await mediator.Send(new GrantSystemAdmin(Need("username"))), r => $"{r.Username} is now a system administrator")
                        ?? 0;
                case "create-community":
                    return Report(await mediator.Send(new PointsBank.Features.Communities.CreateCommunity(Need("code"), Need("name"),
                            options.GetValueOrDefault("time-zone", "Asia/Shanghai"))),
                        c => $"created community {options["name"]} (id {c.CommunityId}); give it its committee: admin grant --username U --community {c.CommunityId} --role committee") ?? 0;
                case "create-user":
                    return Report(await mediator.Send(new CreateUser(Need("username"), Need("name"), Password(options))), u => $"created user {u.Username} (id {u.UserId})") ?? 0;
                case "grant":
                    return Report(await mediator.Send(new GrantRole(long.Parse(Need("community"), System.Globalization.CultureInfo.InvariantCulture),
                        Need("username"), Need("role"), OptionalId("grid"), OptionalId("shop"))), r => $"{r.Username} is {r.Role} in community {r.CommunityId}") ?? 0;
                case "grant-system-admin":
                    return Report(await mediator.Send(new GrantSystemAdmin(Need("username"))), r => $"{r.Username} is now a system administrator") ?? 0;
                case "revoke":
                    return Report(await mediator.Send(new RevokeRole(long.Parse(Need("community"), System.Globalization.CultureInfo.InvariantCulture),
                        Need("username"), Need("role"))), r => $"{r.Username} is no longer {r.Role} in community {r.CommunityId}") ?? 0;
                case "issue-token":
                    return Report(await mediator.Send(new IssueTokenFor(Need("username"), options.GetValueOrDefault("name", "cli"),
                            int.Parse(options.GetValueOrDefault("days", "90"), System.Globalization.CultureInfo.InvariantCulture))),
                        t => $"token id {t.TokenId} for {t.Username}, expires {t.ExpiresAt:yyyy-MM-dd HH:mm}Z (shown once, store it now):\n{t.Token}") ?? 0;
                case "deactivate-user":
                    return Report(await mediator.Send(new DeactivateUser(Need("username"))), u => $"{u.Username} is deactivated") ?? 0;
                case "reactivate-user":
                    return Report(await mediator.Send(new ReactivateUser(Need("username"))), u => $"{u.Username} is active again") ?? 0;
                case "revoke-token":
                    return Report(await mediator.Send(new RevokeToken(long.Parse(Need("id"), System.Globalization.CultureInfo.InvariantCulture))),
                        t => $"token {t.TokenId} revoked") ?? 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        catch (RequestValidationException e)
        {
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine($"{error.Field}: {error.En}");
            }
            return 2;
        }
    }

    // Prints the outcome; null when it succeeded (so steps can chain with ??), else the exit code.
    private static int? Report<T>(Outcome<T> outcome, Func<T, string> message)
    {
        if (outcome.Succeeded)
        {
            Console.WriteLine(message(outcome.Value!));
            return null;
        }
        Console.Error.WriteLine($"refused ({outcome.Failure!.Code}): {outcome.Failure.Detail}");
        return 1;
    }

    private static string Password(Dictionary<string, string> options)
    {
        if (options.TryGetValue("password", out var password))
        {
            return password;
        }
        if (!Console.IsInputRedirected)
        {
            Console.Error.Write("password: ");
        }
        return Console.ReadLine() ?? "";
    }

    private static Dictionary<string, string>? Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }
}
