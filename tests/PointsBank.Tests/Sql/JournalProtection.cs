using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace PointsBank.Tests.Sql;

/// <summary>
/// What the SQL Server scripts do to keep the journal append-only, read from their parse trees rather than their text
/// so that formatting, brackets and comments cannot fool the tests.
/// </summary>
internal static class JournalProtection
{
    public const string AppRole = "pointsbank_app";

    public static readonly IReadOnlyList<string> JournalTables = ["ledger_transactions", "ledger_postings"];

    /// <summary>Tables with INSTEAD OF or AFTER triggers that raise an error on both UPDATE and DELETE.</summary>
    public static IReadOnlySet<string> TablesRejectingUpdateAndDelete(IEnumerable<TSqlFragment> scripts)
    {
        var rejected = new Dictionary<string, HashSet<TriggerActionType>>(StringComparer.OrdinalIgnoreCase);
        foreach (var trigger in scripts.SelectMany(Find<TriggerStatementBody>).Where(t => t is not AlterTriggerStatement))
        {
            if (trigger.TriggerObject.TriggerScope != TriggerScope.Normal || !Raises(trigger.StatementList))
            {
                continue; // a trigger that swallows the change silently does not reject it
            }
            var table = TSqlScripts.TableKey(trigger.TriggerObject.Name);
            if (!rejected.TryGetValue(table, out var actions))
            {
                rejected[table] = actions = [];
            }
            actions.UnionWith(trigger.TriggerActions.Select(a => a.TriggerActionType));
        }
        return rejected
            .Where(r => r.Value.Contains(TriggerActionType.Update) && r.Value.Contains(TriggerActionType.Delete))
            .Select(r => r.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Every way the scripts let <paramref name="role"/> change the journal: UPDATE, DELETE or a permission implying
    /// them granted on a journal table, on the dbo schema or on the whole database; and any journal table not granted
    /// exactly SELECT and INSERT.
    /// </summary>
    public static IReadOnlyList<string> GrantProblems(IEnumerable<TSqlFragment> scripts, string role)
    {
        string[] changing = ["UPDATE", "DELETE", "ALTER", "CONTROL", "TAKE OWNERSHIP", "ALL", "ALL PRIVILEGES"];
        var problems = new List<string>();
        var granted = JournalTables.ToDictionary(t => t, _ => new HashSet<string>(), StringComparer.OrdinalIgnoreCase);
        foreach (var grant in scripts.SelectMany(Find<GrantStatement>))
        {
            if (!grant.Principals.Any(p => p.Identifier?.Value.Equals(role, StringComparison.OrdinalIgnoreCase) == true))
            {
                continue;
            }
            var permissions = grant.Permissions.Select(p => string.Join(" ", p.Identifiers.Select(i => i.Value)).ToUpperInvariant()).ToList();
            var target = Target(grant.SecurityTargetObject);
            if (target is not null && granted.TryGetValue(target, out var set))
            {
                set.UnionWith(permissions);
            }
            var reachesJournal = target is null || target == "SCHEMA::dbo" || granted.ContainsKey(target);
            foreach (var permission in permissions.Where(p => reachesJournal && changing.Contains(p)))
            {
                problems.Add($"GRANT {permission} ON {target ?? "the database"} TO {role} lets it change the journal");
            }
        }
        foreach (var (table, permissions) in granted)
        {
            if (!permissions.SetEquals(["SELECT", "INSERT"]))
            {
                problems.Add($"{role} is granted [{string.Join(", ", permissions.Order())}] on {table}, not exactly SELECT and INSERT");
            }
        }
        return problems.Distinct().ToList();
    }

    /// <summary>Journal tables on which <paramref name="role"/> is explicitly denied both UPDATE and DELETE.</summary>
    public static IReadOnlySet<string> TablesDenyingUpdateAndDelete(IEnumerable<TSqlFragment> scripts, string role)
    {
        var denied = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var deny in scripts.SelectMany(Find<DenyStatement>))
        {
            var target = Target(deny.SecurityTargetObject);
            if (target is null || !deny.Principals.Any(p => p.Identifier?.Value.Equals(role, StringComparison.OrdinalIgnoreCase) == true))
            {
                continue;
            }
            if (!denied.TryGetValue(target, out var set))
            {
                denied[target] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            }
            set.UnionWith(deny.Permissions.Select(p => string.Join(" ", p.Identifiers.Select(i => i.Value))));
        }
        return denied.Where(d => d.Value.Contains("UPDATE") && d.Value.Contains("DELETE")).Select(d => d.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A table's key for OBJECT:: or bare targets, "SCHEMA::name" for schemas, null for the database.</summary>
    private static string? Target(SecurityTargetObject? target)
    {
        if (target?.ObjectName is null)
        {
            return null;
        }
        var parts = target.ObjectName.MultiPartIdentifier.Identifiers;
        return target.ObjectKind switch
        {
            SecurityObjectKind.NotSpecified or SecurityObjectKind.Object =>
                parts.Count == 1 || parts[^2].Value.Equals("dbo", StringComparison.OrdinalIgnoreCase) ? parts[^1].Value : $"{parts[^2].Value}.{parts[^1].Value}",
            SecurityObjectKind.Schema => $"SCHEMA::{parts[^1].Value}",
            SecurityObjectKind.Database => null,
            _ => $"{target.ObjectKind}::{string.Join(".", parts.Select(p => p.Value))}",
        };
    }

    private static bool Raises(TSqlFragment? body) =>
        body is not null && (Find<ThrowStatement>(body).Any() || Find<RaiseErrorStatement>(body).Any() || Find<RollbackTransactionStatement>(body).Any());

    private static List<T> Find<T>(TSqlFragment fragment) where T : TSqlFragment
    {
        var finder = new Finder<T>();
        fragment.Accept(finder);
        return finder.Found;
    }

    private sealed class Finder<T> : TSqlFragmentVisitor where T : TSqlFragment
    {
        public List<T> Found { get; } = [];

        public override void Visit(TSqlFragment fragment)
        {
            if (fragment is T match)
            {
                Found.Add(match);
            }
        }
    }
}
