using System.Data.Common;
using Dapper;

namespace PointsBank.Identity;

/// <summary>
/// The display names of the staff users behind stored actors (<c>user:organizer</c> → 周组织), so a view can say who
/// did something in words. Only <c>user:</c> actors have one; cards, the command line and jobs are put in words by the
/// pages (<c>Pages/ActorWords</c>).
/// </summary>
public static class ActorNames
{
    private const string UserPrefix = "user:";

    // One user a statement (a page names a handful of distinct users), so the SQL stays plain on both engines.
    private const string Select = "SELECT display_name FROM users WHERE username = @username";

    /// <summary>Actor → display name for the <c>user:</c> actors among <paramref name="actors"/> that name an existing user.</summary>
    public static Task<IReadOnlyDictionary<string, string>> LookupAsync(DbConnection connection, IEnumerable<string?> actors,
        CancellationToken ct) => LookupAsync(connection, null, actors, ct);

    /// <summary>The same inside an open transaction on <paramref name="connection"/> (a unit of work's answer).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> LookupAsync(DbConnection connection, DbTransaction? transaction,
        IEnumerable<string?> actors, CancellationToken ct)
    {
        var usernames = actors.OfType<string>().Where(a => a.StartsWith(UserPrefix, StringComparison.Ordinal))
            .Select(a => a[UserPrefix.Length..]).Distinct(StringComparer.Ordinal).ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var username in usernames)
        {
            if (await connection.ExecuteScalarAsync<string?>(new CommandDefinition(Select, new { username }, transaction, cancellationToken: ct)) is { } name)
            {
                names[UserPrefix + username] = name;
            }
        }
        return names;
    }

    /// <summary>The entries of <paramref name="names"/> for the given actors only (what one item of a list names).</summary>
    public static IReadOnlyDictionary<string, string> Of(IReadOnlyDictionary<string, string> names, params string?[] actors) =>
        actors.OfType<string>().Distinct(StringComparer.Ordinal)
            .Where(names.ContainsKey).ToDictionary(a => a, a => names[a], StringComparer.Ordinal);
}
