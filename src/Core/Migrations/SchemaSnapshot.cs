using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace OpsConsole.Core.Migrations;

public sealed record ColumnSchema(string Name, string Type, bool Nullable, string? Default);

public sealed record IndexSchema(string Name, string Definition);

/// <summary>A constraint by name and its definition as the database prints it (kind: primary key, unique, foreign key, check).</summary>
public sealed record ConstraintSchema(string Name, string Kind, string Definition);

public sealed record TableSchema(string Name, string Kind, IReadOnlyList<ColumnSchema> Columns, IReadOnlyList<IndexSchema> Indexes, IReadOnlyList<ConstraintSchema> Constraints, string? Definition = null);

/// <summary>
/// The shape of a target's schema (tables and views, columns, types, nullability, defaults, indexes,
/// constraints) in a stable order, as read from the database's own catalogue. The migration history
/// table is left out so recording a change does not show up as a schema change.
/// </summary>
public sealed record SchemaSnapshot(IReadOnlyList<TableSchema> Tables)
{
    public static readonly SchemaSnapshot Empty = new([]);

    public TableSchema? Find(string name) => Tables.FirstOrDefault(t => t.Name == name);

    /// <summary>One line per fact, for a line diff a person can read.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var table in Tables)
        {
            text.Append(table.Kind).Append(' ').Append(table.Name).Append('\n');
            if (table.Definition is not null) text.Append("  as ").Append(table.Definition.ReplaceLineEndings(" ")).Append('\n');
            foreach (var c in table.Columns)
                text.Append("  column ").Append(c.Name).Append(' ').Append(c.Type).Append(c.Nullable ? " null" : " not null")
                    .Append(c.Default is null ? "" : " default " + c.Default).Append('\n');
            foreach (var i in table.Indexes) text.Append("  index ").Append(i.Name).Append(": ").Append(i.Definition).Append('\n');
            foreach (var k in table.Constraints) text.Append("  constraint ").Append(k.Name).Append(": ").Append(k.Definition).Append('\n');
        }
        return text.ToString();
    }
}

public enum SchemaChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One difference: what kind of object (table, view, column, index, constraint), where, and before/after.</summary>
public sealed record SchemaChange(SchemaChangeKind Kind, string Object, string Table, string Name, string? Before, string? After)
{
    public override string ToString() => Kind switch
    {
        SchemaChangeKind.Added => $"+ {Object} {Qualified}: {After}",
        SchemaChangeKind.Removed => $"- {Object} {Qualified}: {Before}",
        _ => $"~ {Object} {Qualified}: {Before} -> {After}",
    };

    private string Qualified => Object is "table" or "view" ? Name : $"{Table}.{Name}";
}

/// <summary>What differs between two snapshots, object by object, plus a unified line diff for reports.</summary>
public sealed record SchemaDiff(IReadOnlyList<SchemaChange> Changes, string UnifiedText)
{
    public bool IsEmpty => Changes.Count == 0;

    public static SchemaDiff Compare(SchemaSnapshot before, SchemaSnapshot after)
    {
        var changes = new List<SchemaChange>();
        var beforeTables = before.Tables.ToDictionary(t => t.Name);
        var afterTables = after.Tables.ToDictionary(t => t.Name);
        foreach (var t in before.Tables.Where(t => !afterTables.ContainsKey(t.Name)))
            changes.Add(new SchemaChange(SchemaChangeKind.Removed, t.Kind, t.Name, t.Name, Describe(t), null));
        foreach (var t in after.Tables)
        {
            if (!beforeTables.TryGetValue(t.Name, out var old))
            {
                changes.Add(new SchemaChange(SchemaChangeKind.Added, t.Kind, t.Name, t.Name, null, Describe(t)));
                continue;
            }
            if (old.Kind != t.Kind || old.Definition != t.Definition)
                changes.Add(new SchemaChange(SchemaChangeKind.Changed, t.Kind, t.Name, t.Name, $"{old.Kind} {old.Definition}".Trim(), $"{t.Kind} {t.Definition}".Trim()));
            Members(changes, "column", t.Name, old.Columns, t.Columns, c => c.Name, Describe);
            Members(changes, "index", t.Name, old.Indexes, t.Indexes, i => i.Name, i => i.Definition);
            Members(changes, "constraint", t.Name, old.Constraints, t.Constraints, k => k.Name, k => k.Definition);
        }
        return new SchemaDiff(changes, Unified(before.ToText(), after.ToText()));
    }

    private static void Members<T>(List<SchemaChange> changes, string kind, string table, IReadOnlyList<T> before, IReadOnlyList<T> after,
        Func<T, string> name, Func<T, string> describe)
    {
        var old = before.GroupBy(name).ToDictionary(g => g.Key, g => describe(g.First()));
        var now = after.GroupBy(name).ToDictionary(g => g.Key, g => describe(g.First()));
        foreach (var (n, d) in old.Where(p => !now.ContainsKey(p.Key)))
            changes.Add(new SchemaChange(SchemaChangeKind.Removed, kind, table, n, d, null));
        foreach (var (n, d) in now)
        {
            if (!old.TryGetValue(n, out var was)) changes.Add(new SchemaChange(SchemaChangeKind.Added, kind, table, n, null, d));
            else if (was != d) changes.Add(new SchemaChange(SchemaChangeKind.Changed, kind, table, n, was, d));
        }
    }

    private static string Describe(TableSchema t) => $"{t.Columns.Count} columns ({string.Join(", ", t.Columns.Select(c => c.Name))})";

    private static string Describe(ColumnSchema c) => $"{c.Type}{(c.Nullable ? " null" : " not null")}{(c.Default is null ? "" : " default " + c.Default)}";

    private static string Unified(string before, string after)
    {
        if (before == after) return "";
        var model = InlineDiffBuilder.Diff(before, after, ignoreWhiteSpace: false);
        var text = new StringBuilder();
        foreach (var line in model.Lines)
        {
            var mark = line.Type switch { ChangeType.Inserted => "+ ", ChangeType.Deleted => "- ", _ => "  " };
            if (line.Type == ChangeType.Imaginary) continue;
            text.Append(mark).Append(line.Text).Append('\n');
        }
        return text.ToString();
    }
}
