using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace PointsBank.Tests.Sql;

/// <summary>Parsing T-SQL the way SQL Server 2025 (TSql170Parser) would, and finding the repository's SQL Server scripts.</summary>
internal static class TSqlScripts
{
    public static TSqlFragment Parse(string text, out IList<ParseError> errors)
    {
        // QUOTED_IDENTIFIER is ON for every SqlClient connection and for sqlcmd, so "x" is a name, not a string.
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(text);
        return parser.Parse(reader, out errors);
    }

    public static string Describe(ParseError error) =>
        $"line {error.Line}, column {error.Column}: {error.Message}";

    public static IReadOnlyList<string> SqlServerScriptPaths()
    {
        var folder = Path.Combine(RepositoryRoot(), "sql", "sqlserver");
        return Directory.GetFiles(folder, "*.sql").Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The parsed SQL Server scripts, in the order the migrator applies them.</summary>
    public static IReadOnlyList<(string Name, TSqlFragment Script, IList<ParseError> Errors)> ParseSqlServerScripts() =>
        SqlServerScriptPaths()
            .Select(path => (Path.GetFileName(path), Parse(File.ReadAllText(path), out var errors), errors))
            .ToList();

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PointsBank.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"PointsBank.sln not found above {TestContext.CurrentContext.TestDirectory}");
    }

    /// <summary>dbo is the only schema the app uses, so dbo.x and x name the same table.</summary>
    public static string TableKey(SchemaObjectName name)
    {
        var schema = name.SchemaIdentifier?.Value;
        return schema is null || schema.Equals("dbo", StringComparison.OrdinalIgnoreCase)
            ? name.BaseIdentifier.Value
            : $"{schema}.{name.BaseIdentifier.Value}";
    }
}
