using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace PointsBank.Tests.Sql;

/// <summary>
/// Checks that a T-SQL text parses with <see cref="TSql170Parser"/> and that every table and column it names exists
/// in a <see cref="SchemaModel"/>. Scoping is per statement, not per query block: a column resolves if any table the
/// statement references has it. That is looser than SQL Server, but it catches what a typo or a stale query produces.
/// </summary>
internal sealed class TSqlReferenceChecker(SchemaModel schema)
{
    // Functions whose first argument is a date part (day, month, ...) that ScriptDom parses as a column reference.
    private static readonly HashSet<string> DatePartFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "DATEADD", "DATEDIFF", "DATEDIFF_BIG", "DATENAME", "DATEPART", "DATETRUNC", "DATE_BUCKET",
    };

    /// <summary>Returns one line per problem, each starting with <paramref name="name"/>; empty when the text is sound.</summary>
    public IReadOnlyList<string> Check(string name, string sql)
    {
        var fragment = TSqlScripts.Parse(sql, out var errors);
        if (errors.Count > 0)
        {
            return errors.Select(e => $"{name}: syntax error at {TSqlScripts.Describe(e)}").ToList();
        }

        var scopes = Statements(fragment).Select(statement =>
        {
            var scope = new StatementScope();
            statement.Accept(scope);
            return scope;
        }).ToList();
        // Tables the text creates exist for its own references (the migrator's IF ... CREATE TABLE history table).
        var created = scopes.SelectMany(s => s.CreatedTables).ToList();
        var model = created.Count == 0 ? schema : schema.With(created);
        return scopes.SelectMany(scope => CheckStatement(scope, model)).Select(p => $"{name}: {p}").Distinct().ToList();
    }

    private static IEnumerable<TSqlStatement> Statements(TSqlFragment fragment) =>
        fragment is TSqlScript script ? script.Batches.SelectMany(b => b.Statements) : [(TSqlStatement)fragment];

    private static IEnumerable<string> CheckStatement(StatementScope scope, SchemaModel model)
    {
        var tables = new List<TableSource>();
        var missing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var reference in scope.NamedTables)
        {
            var key = TSqlScripts.TableKey(reference.SchemaObject);
            var onePart = reference.SchemaObject.SchemaIdentifier is null ? reference.SchemaObject.BaseIdentifier.Value : null;
            if (onePart is not null && scope.CteNames.Contains(onePart))
            {
                if (reference.Alias is not null)
                {
                    scope.DerivedNames.Add(reference.Alias.Value); // FROM recent r: r.x is the CTE's business too
                }
                continue;
            }
            if (onePart is not null && scope.IsAlias(onePart) && scope.DmlTargets.Contains(reference))
            {
                continue; // UPDATE b SET ... FROM balances b: the target is an alias defined in FROM
            }
            if (key.StartsWith('#') || key.StartsWith('@'))
            {
                continue;
            }
            if (!model.HasTable(key))
            {
                yield return $"table {key} does not exist";
                missing.Add(scope.ExposedName(reference));
                continue;
            }
            tables.Add(new TableSource(key, scope.ExposedName(reference), reference));
        }

        var targets = scope.DmlTargets
            .Select(t => ResolveTarget(t, tables, scope))
            .OfType<TableSource>()
            .ToList();

        foreach (var column in scope.Columns)
        {
            var problem = CheckColumn(column, model, tables, targets, scope, missing);
            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    private static TableSource? ResolveTarget(NamedTableReference target, List<TableSource> tables, StatementScope scope)
    {
        var direct = tables.FirstOrDefault(t => ReferenceEquals(t.Reference, target));
        if (direct is not null)
        {
            return direct;
        }
        var onePart = target.SchemaObject.SchemaIdentifier is null ? target.SchemaObject.BaseIdentifier.Value : null;
        return onePart is null || scope.CteNames.Contains(onePart)
            ? null
            : tables.FirstOrDefault(t => t.ExposedName.Equals(onePart, StringComparison.OrdinalIgnoreCase));
    }

    private static string? CheckColumn(ColumnRef column, SchemaModel model, List<TableSource> tables, List<TableSource> targets, StatementScope scope, HashSet<string> missing)
    {
        var identifiers = column.Expression.MultiPartIdentifier?.Identifiers;
        if (identifiers is null || identifiers.Count == 0)
        {
            return null; // * or a pseudo column such as $action
        }
        var wildcard = column.Expression.ColumnType == ColumnType.Wildcard;
        var name = identifiers[^1].Value;
        var qualifier = wildcard ? identifiers[^1].Value : identifiers.Count > 1 ? identifiers[^2].Value : null;

        if (qualifier is null ? missing.Count > 0 : missing.Contains(qualifier))
        {
            return null; // already reported as a missing table
        }
        if (qualifier is null)
        {
            if (column.IsDmlTargetColumn)
            {
                // INSERT (...) column lists and SET targets name columns of the target, not of any joined table.
                var target = targets.FirstOrDefault();
                return target is null || model.HasColumn(target.Table, name) ? null : $"column {target.Table}.{name} does not exist";
            }
            if (tables.Any(t => model.HasColumn(t.Table, name))
                || column.InOrderBy && scope.SelectAliases.Contains(name)
                || scope.DerivedColumns.Contains(name)
                || scope.HasOpaqueSource)
            {
                return null;
            }
            return tables.Count switch
            {
                0 => $"column {name} has no table to come from",
                1 => $"column {tables[0].Table}.{name} does not exist",
                _ => $"column {name} does not exist in any of {string.Join(", ", tables.Select(t => t.Table).Distinct())}",
            };
        }

        if (scope.DerivedNames.Contains(qualifier))
        {
            return null; // a CTE or derived table: its columns are the query's own business
        }
        List<TableSource> candidates;
        if (qualifier.Equals("inserted", StringComparison.OrdinalIgnoreCase) || qualifier.Equals("deleted", StringComparison.OrdinalIgnoreCase))
        {
            candidates = targets;
        }
        else
        {
            // A table aliased in FROM can only be named by its alias, as in SQL Server; dbo.t.c also names t.
            candidates = tables.Where(t => t.ExposedName.Equals(qualifier, StringComparison.OrdinalIgnoreCase)).ToList();
        }
        if (candidates.Count == 0)
        {
            return $"{qualifier} in {ColumnText(identifiers, wildcard)} is not a table or alias of the statement";
        }
        if (wildcard || candidates.Any(t => model.HasColumn(t.Table, name)))
        {
            return null;
        }
        return $"column {candidates[0].Table}.{name} does not exist";
    }

    private static string ColumnText(IList<Identifier> identifiers, bool wildcard) =>
        string.Join(".", identifiers.Select(i => i.Value)) + (wildcard ? ".*" : "");

    private sealed record TableSource(string Table, string ExposedName, NamedTableReference Reference);

    private sealed record ColumnRef(ColumnReferenceExpression Expression, bool InOrderBy, bool IsDmlTargetColumn);

    /// <summary>Everything one statement names: tables, aliases, CTEs, derived tables, select aliases, columns.</summary>
    private sealed class StatementScope : TSqlFragmentVisitor
    {
        private readonly HashSet<TSqlFragment> _ignored = [];
        private readonly HashSet<ColumnReferenceExpression> _targetColumns = [];
        private readonly Dictionary<NamedTableReference, string> _mergeAliases = [];
        private int _orderByDepth;

        public List<NamedTableReference> NamedTables { get; } = [];
        public HashSet<NamedTableReference> DmlTargets { get; } = [];
        public HashSet<string> CteNames { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> DerivedNames { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> DerivedColumns { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> SelectAliases { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> Aliases { get; } = new(StringComparer.OrdinalIgnoreCase);
        public List<CreateTableStatement> CreatedTables { get; } = [];
        public List<ColumnRef> Columns { get; } = [];

        /// <summary>A source whose columns are unknown here (a table-valued function, OPENJSON, SELECT * in a CTE).</summary>
        public bool HasOpaqueSource { get; private set; }

        public bool IsAlias(string name) => Aliases.Contains(name);

        /// <summary>The name columns qualify the table by: its alias if it has one (MERGE puts it apart), else its name.</summary>
        public string ExposedName(NamedTableReference table) =>
            table.Alias?.Value ?? _mergeAliases.GetValueOrDefault(table) ?? table.SchemaObject.BaseIdentifier.Value;

        // Column references inside a CREATE TABLE (defaults, checks, keys) are the definition itself.
        public override void ExplicitVisit(CreateTableStatement node) => CreatedTables.Add(node);

        public override void ExplicitVisit(NamedTableReference node)
        {
            NamedTables.Add(node);
            if (node.Alias is not null)
            {
                Aliases.Add(node.Alias.Value);
            }
            base.ExplicitVisit(node);
        }

        public override void Visit(TableReferenceWithAlias node)
        {
            if (node is NamedTableReference)
            {
                return;
            }
            if (node.Alias is not null)
            {
                DerivedNames.Add(node.Alias.Value);
            }
            switch (node)
            {
                case TableReferenceWithAliasAndColumns { Columns.Count: > 0 } withColumns:
                    DerivedColumns.UnionWith(withColumns.Columns.Select(c => c.Value));
                    break;
                case QueryDerivedTable derived:
                    AddOutputColumns(derived.QueryExpression);
                    break;
                default:
                    HasOpaqueSource = true;
                    break;
            }
        }

        public override void ExplicitVisit(CommonTableExpression node)
        {
            CteNames.Add(node.ExpressionName.Value);
            DerivedNames.Add(node.ExpressionName.Value);
            if (node.Columns.Count > 0)
            {
                DerivedColumns.UnionWith(node.Columns.Select(c => c.Value));
            }
            else
            {
                AddOutputColumns(node.QueryExpression);
            }
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(InsertSpecification node)
        {
            Target(node.Target);
            _targetColumns.UnionWith(node.Columns);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(UpdateSpecification node)
        {
            Target(node.Target);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(DeleteSpecification node)
        {
            Target(node.Target);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(MergeSpecification node)
        {
            Target(node.Target);
            if (node.TableAlias is not null)
            {
                Aliases.Add(node.TableAlias.Value);
                if (node.Target is NamedTableReference named)
                {
                    _mergeAliases[named] = node.TableAlias.Value;
                }
            }
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(InsertMergeAction node)
        {
            _targetColumns.UnionWith(node.Columns);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(AssignmentSetClause node)
        {
            if (node.Column is not null)
            {
                _targetColumns.Add(node.Column);
            }
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(SelectScalarExpression node)
        {
            if (node.ColumnName?.Value is { } alias)
            {
                SelectAliases.Add(alias);
            }
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(FunctionCall node)
        {
            if (DatePartFunctions.Contains(node.FunctionName.Value) && node.Parameters.Count > 0)
            {
                _ignored.Add(node.Parameters[0]);
            }
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(OrderByClause node)
        {
            _orderByDepth++;
            base.ExplicitVisit(node);
            _orderByDepth--;
        }

        public override void ExplicitVisit(ColumnReferenceExpression node)
        {
            if (!_ignored.Contains(node))
            {
                Columns.Add(new ColumnRef(node, _orderByDepth > 0, _targetColumns.Contains(node)));
            }
            base.ExplicitVisit(node);
        }

        private void Target(TableReference? target)
        {
            if (target is NamedTableReference named)
            {
                DmlTargets.Add(named);
            }
        }

        private void AddOutputColumns(QueryExpression? query)
        {
            switch (query)
            {
                case QuerySpecification spec:
                    foreach (var element in spec.SelectElements)
                    {
                        switch (element)
                        {
                            case SelectScalarExpression { ColumnName.Value: { } alias }:
                                DerivedColumns.Add(alias);
                                break;
                            case SelectScalarExpression { Expression: ColumnReferenceExpression { MultiPartIdentifier.Identifiers: { Count: > 0 } ids } }:
                                DerivedColumns.Add(ids[^1].Value);
                                break;
                            case SelectStarExpression:
                                HasOpaqueSource = true;
                                break;
                        }
                    }
                    break;
                case BinaryQueryExpression binary:
                    AddOutputColumns(binary.FirstQueryExpression);
                    break;
                case QueryParenthesisExpression parenthesised:
                    AddOutputColumns(parenthesised.QueryExpression);
                    break;
            }
        }
    }
}
