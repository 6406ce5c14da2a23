using System.Reflection;
using PointsBank.Data;

namespace PointsBank.Tests.Sql;

/// <summary>A statement the app can send to SQL Server, named by where it is declared (<c>LedgerSql.InsertPosting</c>).</summary>
internal sealed record AppStatement(string Name, string Sql)
{
    public override string ToString() => Name;
}

/// <summary>
/// Finds every statement the app can send to SQL Server by reflection over the app assembly, so a new query is
/// checked the moment it is declared: portable-subset <c>const string</c>s (sent to both engines) and the
/// <see cref="DialectSql.SqlServer"/> text of every static <see cref="DialectSql"/>.
/// </summary>
internal static class AppStatements
{
    private static readonly string[] Verbs = ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "MERGE"];

    private const BindingFlags Declared =
        BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<AppStatement> All { get; } = Collect(typeof(PointsBank.Ledger.PointsLedger).Assembly);

    public static IEnumerable<TestCaseData> Cases() =>
        All.Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    public static IReadOnlyList<AppStatement> Collect(Assembly assembly)
    {
        var statements = new List<AppStatement>();
        foreach (var type in assembly.GetTypes().Where(t => !t.IsGenericTypeDefinition))
        {
            foreach (var field in type.GetFields(Declared))
            {
                if (field.IsLiteral && field.GetRawConstantValue() is string text && IsStatement(text))
                {
                    statements.Add(new AppStatement($"{Name(type)}.{field.Name}", AsSent(text)));
                }
                else if (!field.IsLiteral && field.FieldType == typeof(DialectSql) && field.GetValue(null) is DialectSql sql)
                {
                    statements.Add(new AppStatement($"{Name(type)}.{field.Name}.SqlServer", sql.SqlServer));
                }
            }
            foreach (var property in type.GetProperties(Declared))
            {
                if (property.PropertyType == typeof(DialectSql) && property.GetIndexParameters().Length == 0
                    && property.GetMethod is not null && property.GetValue(null) is DialectSql sql)
                {
                    statements.Add(new AppStatement($"{Name(type)}.{property.Name}.SqlServer", sql.SqlServer));
                }
            }
        }
        return statements.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A constant as the app sends it to SQL Server: Dapper's list expansion sends <c>IN @names</c> with a list argument
    /// as <c>IN (@names1, @names2, …)</c>, so it is checked as the one-item form <c>IN (@names)</c> (a bare
    /// <c>IN @names</c> is not T-SQL, and not what is sent).
    /// </summary>
    public static string AsSent(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"\bIN\s+@(\w+)", "IN (@$1)",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static bool IsStatement(string text)
    {
        var trimmed = text.TrimStart();
        return Verbs.Any(verb => trimmed.StartsWith(verb, StringComparison.OrdinalIgnoreCase)
            && (trimmed.Length == verb.Length || !char.IsLetterOrDigit(trimmed[verb.Length]) && trimmed[verb.Length] != '_'));
    }

    private static string Name(Type type) =>
        type.DeclaringType is null ? type.Name : $"{Name(type.DeclaringType)}.{type.Name}";
}
