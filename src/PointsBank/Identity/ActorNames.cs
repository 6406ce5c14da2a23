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

    // All the users in one statement: Dapper expands the list (`IN @usernames` is sent as `IN (@usernames1, …)`), on
    // SQLite and SQL Server alike. username is unique, binary-collated on SQL Server and compared as is on SQLite, so a
    // row answers for exactly the actor that names it.
    private const string Select = "SELECT username AS Username, display_name AS DisplayName FROM users WHERE username IN @usernames";

    /// <summary>At most this many users a statement: far below SQL Server's 2,100 parameters.</summary>
    internal const int UsersPerStatement = 1000;

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
        foreach (var chunk in usernames.Chunk(UsersPerStatement))
        {
            var rows = await connection.QueryAsync<UserName>(new CommandDefinition(Select, new { usernames = chunk }, transaction, cancellationToken: ct));
            foreach (var row in rows)
            {
                names[UserPrefix + row.Username] = row.DisplayName;
            }
        }
        return names;
    }

    private sealed class UserName
    {
        public string Username { get; set; } = "";
        public string DisplayName { get; set; } = "";
    }

    /// <summary>The entries of <paramref name="names"/> for the given actors only (what one item of a list names).</summary>
    public static IReadOnlyDictionary<string, string> Of(IReadOnlyDictionary<string, string> names, params string?[] actors) =>
        actors.OfType<string>().Distinct(StringComparer.Ordinal)
            .Where(names.ContainsKey).ToDictionary(a => a, a => names[a], StringComparer.Ordinal);
}
