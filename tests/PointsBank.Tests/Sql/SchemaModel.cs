using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace PointsBank.Tests.Sql;

/// <summary>Tables and their columns as the SQL Server scripts leave them. Names compare case-insensitively, as under
/// SQL Server's default collation.</summary>
internal sealed class SchemaModel
{
    private readonly Dictionary<string, HashSet<string>> _tables = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Tables => _tables.Keys;

    public bool HasTable(string table) => _tables.ContainsKey(table);

    public bool HasColumn(string table, string column) =>
        _tables.TryGetValue(table, out var columns) && columns.Contains(column);

    public IReadOnlySet<string> Columns(string table) => _tables[table];

    /// <summary>A copy with <paramref name="ddl"/> applied on top, leaving this model as it was.</summary>
    public SchemaModel With(IEnumerable<TSqlFragment> ddl)
    {
        var copy = new SchemaModel();
        foreach (var (table, columns) in _tables)
        {
            copy._tables[table] = new HashSet<string>(columns, StringComparer.OrdinalIgnoreCase);
        }
        foreach (var fragment in ddl)
        {
            copy.Apply(fragment);
        }
        return copy;
    }

    /// <summary>A copy that also has the tables <paramref name="statements"/> create (the migrator creates its own
    /// history table rather than leaving it to a numbered script).</summary>
    public SchemaModel WithTablesCreatedBy(IEnumerable<string> statements) =>
        With(statements.Select(sql => TSqlScripts.Parse(sql, out _)).OfType<TSqlFragment>());

    public static SchemaModel FromSqlServerScripts()
    {
        var model = new SchemaModel();
        foreach (var (_, script, _) in TSqlScripts.ParseSqlServerScripts())
        {
            model.Apply(script);
        }
        return model;
    }

    /// <summary>Applies the table DDL in <paramref name="fragment"/>, in script order.</summary>
    public void Apply(TSqlFragment fragment) => fragment.Accept(new DdlVisitor(this));

    private sealed class DdlVisitor(SchemaModel model) : TSqlFragmentVisitor
    {
        public override void ExplicitVisit(CreateTableStatement node)
        {
            var columns = node.Definition?.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value) ?? [];
            model._tables[TSqlScripts.TableKey(node.SchemaObjectName)] = new HashSet<string>(columns, StringComparer.OrdinalIgnoreCase);
        }

        public override void ExplicitVisit(AlterTableAddTableElementStatement node)
        {
            if (model._tables.TryGetValue(TSqlScripts.TableKey(node.SchemaObjectName), out var columns))
            {
                columns.UnionWith(node.Definition.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value));
            }
        }

        public override void ExplicitVisit(AlterTableDropTableElementStatement node)
        {
            if (model._tables.TryGetValue(TSqlScripts.TableKey(node.SchemaObjectName), out var columns))
            {
                columns.ExceptWith(node.AlterTableDropTableElements
                    .Where(e => e.TableElementType == TableElementType.Column)
                    .Select(e => e.Name.Value));
            }
        }

        public override void ExplicitVisit(DropTableStatement node)
        {
            foreach (var name in node.Objects)
            {
                model._tables.Remove(TSqlScripts.TableKey(name));
            }
        }
    }
}
