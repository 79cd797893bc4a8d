using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Console.Tests.Audit;

/// <summary>The audit trail as an auditor uses it: verify the chain, export it, filter it.</summary>
public sealed class AuditApiTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    internal static async Task MakeSomeChangesAsync(ConsoleFactory factory)
    {
        var user = await factory.CreateUserAsync(Names.Password(), Roles.Viewer);
        using var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync($"/api/v1/users/{user}/roles", new { roles = new[] { Roles.Viewer, Roles.OnCall } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.OK);
        var (tokenId, _) = await admin.CreateTokenAsync(Roles.Viewer);
        await admin.DeleteAsync($"/api/v1/tokens/{tokenId}").EnsureStatusAsync(HttpStatusCode.NoContent);
        await factory.CreateWebhookAsync();
    }

    [Fact]
    public async Task Verify_reports_an_intact_chain_after_changes()
    {
        await MakeSomeChangesAsync(factory);
        var entries = await factory.CountAsync<AuditEntry>();

        using var admin = factory.CreateAdminClient();
        using var viewer = factory.CreateTokenClient((await admin.CreateTokenAsync(Roles.Viewer)).Secret);
        var result = await (await viewer.PostAsync("/api/v1/audit/verify", null).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

        Assert.True(result.GetProperty("intact").GetBoolean());
        Assert.True(result.GetProperty("entriesChecked").GetInt64() >= entries, "every entry was checked");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("firstBadSequence").ValueKind);
        var head = await factory.WithStoreAsync(db => db.AuditEntries.OrderByDescending(e => e.Sequence).Select(e => e.Hash).FirstAsync());
        Assert.Equal(head, result.GetProperty("headHash").GetString());
    }

    [Fact]
    public async Task CSV_export_has_a_header_and_one_line_per_entry_oldest_first()
    {
        await MakeSomeChangesAsync(factory);
        var sequences = await factory.WithStoreAsync(db => db.AuditEntries.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync());

        using var admin = factory.CreateAdminClient();
        var response = await admin.GetAsync("/api/v1/audit/export?format=csv").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

        Assert.Equal(AuditQuery.CsvHeader, lines[0]);
        Assert.Equal(sequences.Count, lines.Count - 1);
        Assert.Equal(sequences, lines.Skip(1).Select(l => long.Parse(l[..l.IndexOf(',')])).ToList());
        Assert.Contains(lines, l => l.Contains(",user.roles.set,"));
    }

    [Fact]
    public async Task Audit_list_filters_by_actor_and_action()
    {
        await MakeSomeChangesAsync(factory);
        using var admin = factory.CreateAdminClient();

        var page = await admin.GetFromJsonAsync<AuditPageDto>("/api/v1/audit?actor=admin&action=token.", TestApi.Json);

        Assert.NotNull(page);
        Assert.Equal(["token.revoke", "token.create"], page.Entries.Select(e => e.Action).Take(2));
        Assert.All(page.Entries, e => { Assert.Equal("admin", e.Actor); Assert.StartsWith("token.", e.Action); });
        Assert.Equal(page.Entries.Count, page.Total);
    }

    private sealed record AuditPageDto(List<AuditEntry> Entries, int Total);
}

/// <summary>Tampering breaks the chain for good, so it gets a console of its own.</summary>
public sealed class AuditTamperTests
{
    [Fact]
    public async Task Verify_finds_the_entry_an_attacker_rewrote_in_the_database_file()
    {
        await using var factory = new ConsoleFactory();
        await AuditApiTests.MakeSomeChangesAsync(factory);
        var target = await factory.WithStoreAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == "user.roles.set").Select(e => e.Sequence).SingleAsync());

        // The store refuses UPDATE on audit entries...
        await using (var attacker = TestStores.OpenConnection(factory.StoreConnectionString))
        {
            var refused = await Assert.ThrowsAnyAsync<DbException>(() => ExecAsync(attacker, $"UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory' WHERE \"Sequence\" = {target}"));
            Assert.Contains("append-only", refused.Message);
            // ...so someone with the database drops the trigger first.
            await ExecAsync(attacker, TestStores.DropAuditTriggerSql("AuditEntries_NoUpdate"));
            await ExecAsync(attacker, $"UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory' WHERE \"Sequence\" = {target}");
        }

        using var admin = factory.CreateAdminClient();
        var result = await (await admin.PostAsync("/api/v1/audit/verify", null).EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

        Assert.False(result.GetProperty("intact").GetBoolean());
        Assert.Equal(target, result.GetProperty("firstBadSequence").GetInt64());
        Assert.Equal(target - 1, result.GetProperty("entriesChecked").GetInt64());
        Assert.Contains("changed", result.GetProperty("reason").GetString());
    }

    private static async Task ExecAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
