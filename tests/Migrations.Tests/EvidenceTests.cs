using System.Text.Json.Nodes;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

/// <summary>Evidence sealing on a real (SQLite) run: the hash holds across storage and catches any edit.</summary>
public sealed class EvidenceTests : IDisposable
{
    private readonly Workspace _ws = new();
    private TestTarget? _target;

    public void Dispose()
    {
        _ws.Dispose();
        _target?.Dispose();
    }

    private async Task<MigrationRunResult> RunAsync()
    {
        _target = await TestTarget.CreateAsync("sqlite", null);
        _ws.Change("001_create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);", "SELECT id FROM orders WHERE 1 = 0;", "DROP TABLE orders;")
            .Change("002_rename", "ALTER TABLE orders RENAME COLUMN note TO remark;", "SELECT remark FROM orders WHERE 1 = 0;", "ALTER TABLE orders RENAME COLUMN remark TO note;");
        return await new MigrationRunner(new MigrationRunnerOptions { ConsoleVersion = "1.2.3-test" }).ApplyAsync(new MigrationRequest
        {
            RequestedBy = Actors.ReleaseManager,
            Source = _ws.Source(),
            Target = _target.Target,
            Environment = "prod",
            ApprovedBy = "ada",
            ApprovedAt = new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc),
            Waivers = [new Core.Migrations.Lint.MigrationWaiver("002_rename", "rename", "rita", "Nothing reads note yet.")],
        });
    }

    [Fact]
    public async Task A_sealed_record_verifies_and_keeps_its_hash_through_reformatting_and_a_round_trip()
    {
        var result = await RunAsync();
        Assert.Equal(MigrationOutcome.Succeeded, result.Outcome);
        Assert.Matches("^[0-9a-f]{64}$", result.Sha256);

        var verification = EvidenceSeal.Verify(result.Document, result.Sha256);
        Assert.True(verification.Intact);
        Assert.Equal(result.Sha256, verification.Computed);

        // Compact, re-ordered JSON (as a store might keep it) still verifies against the audit chain's hash.
        var node = JsonNode.Parse(result.Document)!.AsObject();
        var reordered = new JsonObject(node.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        Assert.True(EvidenceSeal.Verify(reordered.ToJsonString(), result.Sha256).Intact);

        var back = EvidenceSeal.FromDocument(result.Document);
        Assert.Equal(result.Sha256, EvidenceSeal.Sha256(back));
        Assert.Equal("ada", back.ApprovedBy);
        Assert.Equal(2, back.Changes.Count);
    }

    [Theory]
    [InlineData("outcome", "\"Succeeded\"", "\"Failed\"")]
    [InlineData("requestedBy", "\"rita\"", "\"mallory\"")]
    [InlineData("sql", "ALTER TABLE orders RENAME COLUMN note TO remark;", "ALTER TABLE orders DROP COLUMN note;")]
    [InlineData("reason", "Nothing reads note yet.", "Approved by the CEO.")]
    public async Task Any_altered_value_is_detected(string what, string from, string to)
    {
        var result = await RunAsync();
        Assert.Contains(from, result.Document);
        var index = result.Document.IndexOf(from, StringComparison.Ordinal);
        var altered = result.Document[..index] + to + result.Document[(index + from.Length)..];

        var verification = EvidenceSeal.Verify(altered, result.Sha256);
        Assert.False(verification.Intact, what);
        Assert.NotEqual(result.Sha256, verification.Computed);

        // A forger who also rewrites the embedded hash is still caught by the hash the audit chain holds.
        var node = JsonNode.Parse(altered)!.AsObject();
        node["sha256"] = EvidenceSeal.Sha256(node);
        Assert.True(EvidenceSeal.Verify(node.ToJsonString()).Intact);
        Assert.False(EvidenceSeal.Verify(node.ToJsonString(), result.Sha256).Intact);
    }

    [Fact]
    public async Task The_markdown_report_carries_who_what_when_and_the_hash()
    {
        var result = await RunAsync();
        var md = result.Markdown;

        Assert.StartsWith("# Migration apply of shop in prod: Succeeded", md);
        Assert.Contains(result.Sha256, md);
        Assert.Contains("| Requested by | rita (correlation corr-rm) |", md);
        Assert.Contains("| Approved by | ada at 2026-11-27 10:00:00.000 UTC |", md);
        Assert.Contains("| Console version | 1.2.3-test |", md);
        Assert.Contains("### 002_rename: Applied", md);
        Assert.Contains("ALTER TABLE orders RENAME COLUMN note TO remark;", md);
        Assert.Contains("rename in 002_rename, waived by rita: Nothing reads note yet.", md);
        Assert.Contains("+   column remark", md);
        Assert.Contains("| Target | sqlite:target.db (Sqlite) |", md);
        Assert.DoesNotContain(Path.GetTempPath(), md);
        Assert.DoesNotContain(Path.GetTempPath(), result.Document);
    }
}
