using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Migrations;
using OpsConsole.Console.Tests.Shared;
using static OpsConsole.Console.Tests.Security.MigrationAttackKit;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// Attacks through the API by a ReleaseManager who uploads a bundle: a change that reaches past its
/// own target (the console's store, another file, native code) or commits from inside a dry-run.
/// Each is refused with a named statement error, and nothing changes: users and roles, the audit
/// chain, the target's rows and its history.
/// </summary>
public sealed class MigrationTargetEscapeTests(MigrationConsoleFactory factory) : IClassFixture<MigrationConsoleFactory>
{
    private static string Sql(string path) => path.Replace("'", "''");

    private async Task<JsonElement> RunAsync(HttpClient client, string service, string kind, string environment = "dev") =>
        await MigrationConsoleFactory.WaitForBatchAsync(client, await MigrationConsoleFactory.PostRunAsync(client, $"/api/v1/migrations/{service}/{environment}/{kind}"),
            "Succeeded", "Failed");

    private async Task AssertNothingChangedAsync(HttpClient admin, string users, string service, string file)
    {
        Assert.Equal(users, await UsersAndRolesAsync(factory));
        await ConsoleState.AssertAuditIntactAsync(admin);
        Assert.Empty(Names(await StatusAsync(admin, service), "applied"));
        Assert.False(await HasTableAsync(file, "marker"));
    }

    [Fact]
    public async Task A_change_that_attaches_the_console_store_to_read_users_and_grant_itself_admin_is_refused()
    {
        const string service = "escape-attach";
        var file = await TargetAsync(factory, service);
        var (_, rm) = await factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(factory);
        await UploadAsync(rm, service, "1.0.0", new Change("001_steal", $"""
            ATTACH DATABASE '{Sql(factory.StorePath)}' AS ops;
            CREATE TABLE marker AS SELECT count(*) AS n FROM ops.AspNetUsers;
            INSERT INTO ops.AspNetUserRoles (UserId, RoleId) SELECT u.Id, r.Id FROM ops.AspNetUsers u, ops.AspNetRoles r WHERE r.Name = 'Admin';
            DELETE FROM ops.AuditEntries;
            """));

        foreach (var kind in new[] { "apply", "dry-run" })
        {
            var batch = await RunAsync(rm, service, kind);
            Assert.Equal("Failed", batch.GetProperty("status").GetString());
            Assert.Contains("Refused: 001_steal/deploy.sql line 1: ATTACH", Messages(batch));
        }
        await AssertNothingChangedAsync(admin, users, service, file);
    }

    [Fact]
    public async Task A_non_transactional_VACUUM_INTO_another_file_is_refused_and_no_file_is_written()
    {
        const string service = "escape-vacuum";
        var file = await TargetAsync(factory, service);
        var copy = Path.Combine(factory.DataDirectory, "targets", "escape-vacuum-prod.db");
        var (_, rm) = await factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(factory);
        await UploadAsync(rm, service, "1.0.0", new Change("001_copy", $"VACUUM INTO '{Sql(copy)}';", Yaml: "transactional: false\n"));

        var batch = await RunAsync(rm, service, "apply");

        Assert.Equal("Failed", batch.GetProperty("status").GetString());
        Assert.Contains("VACUUM INTO writes a copy of the target", Messages(batch));
        Assert.False(File.Exists(copy));
        await AssertNothingChangedAsync(admin, users, service, file);
    }

    [Fact]
    public async Task A_change_that_loads_an_extension_is_refused()
    {
        const string service = "escape-extension";
        var file = await TargetAsync(factory, service);
        var (_, rm) = await factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(factory);
        await UploadAsync(rm, service, "1.0.0",
            new Change("001_native", $"CREATE TABLE marker (id INTEGER);\nSELECT load_extension('{Sql(Path.Combine(factory.DataDirectory, "evil.so"))}');"));

        var batch = await RunAsync(rm, service, "apply");

        Assert.Equal("Failed", batch.GetProperty("status").GetString());
        Assert.Contains("Refused: 001_native/deploy.sql line 2: load_extension()", Messages(batch));
        await AssertNothingChangedAsync(admin, users, service, file);
    }

    [Fact]
    public async Task A_dry_run_of_a_change_that_commits_is_refused_and_leaves_rows_and_history_as_they_were()
    {
        const string service = "escape-commit";
        var file = await TargetAsync(factory, service);
        var (_, rm) = await factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        using var admin = factory.CreateAdminClient();
        var orders = new Change("001_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY);\nINSERT INTO orders (id) VALUES (1), (2), (3);", Revert: "DROP TABLE orders;\n");
        await UploadAsync(rm, service, "1.0.0", orders);
        Assert.Equal("Succeeded", (await RunAsync(rm, service, "apply")).GetProperty("status").GetString());
        await UploadAsync(rm, service, "1.1.0", orders, new Change("002_wipe", "DELETE FROM orders;\nCOMMIT;"));

        var dry = await RunAsync(rm, service, "dry-run");

        Assert.Equal("Failed", dry.GetProperty("status").GetString());
        Assert.Contains("Refused: 002_wipe/deploy.sql line 2: COMMIT manages the transaction", Messages(dry));
        Assert.Empty(dry.GetProperty("changes").EnumerateArray());
        Assert.Equal(3L, await ScalarAsync(file, "SELECT count(*) FROM orders"));
        var status = await StatusAsync(admin, service);
        Assert.Equal(["001_orders"], Names(status, "applied"));
        Assert.Equal(["002_wipe"], Names(status, "pending"));

        // Applying it is refused the same way.
        Assert.Equal("Failed", (await RunAsync(rm, service, "apply")).GetProperty("status").GetString());
        Assert.Equal(3L, await ScalarAsync(file, "SELECT count(*) FROM orders"));
        Assert.Equal(["002_wipe"], Names(await StatusAsync(admin, service), "pending"));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task A_dry_run_on_an_environment_that_needs_approval_waits_for_a_second_release_manager()
    {
        const string service = "escape-prod-rehearsal";
        var file = await TargetAsync(factory, service, "prod", requiresApproval: true);
        var (_, rm) = await factory.UserClientAsync(Core.Access.Roles.ReleaseManager);
        await UploadAsync(rm, service, "1.0.0", new Change("001_marker", "CREATE TABLE marker (id INTEGER);", Revert: "DROP TABLE marker;\n"));

        var accepted = await (await rm.PostAsync($"/api/v1/migrations/{service}/prod/dry-run", null)
            .EnsureStatusAsync(System.Net.HttpStatusCode.Accepted)).ReadJsonAsync();

        Assert.Equal("AwaitingApproval", accepted.GetProperty("status").GetString());
        var recorded = accepted.GetProperty("recorded").GetProperty("changes");
        Assert.Equal("CREATE TABLE marker (id INTEGER);", recorded[0].GetProperty("scripts")[0].GetProperty("sql").GetString());
        Assert.False(File.Exists(file) && await HasTableAsync(file, "marker"));
    }

    [Fact]
    public async Task A_target_cannot_be_pointed_at_the_console_s_own_store_job_store_or_keys()
    {
        using var admin = factory.CreateAdminClient();
        var users = await UsersAndRolesAsync(factory);
        foreach (var file in new[] { factory.StorePath, Path.Combine(factory.DataDirectory, "jobs.db"), Path.Combine(factory.DataDirectory, "keys", "x.db"),
                     $"file:{factory.StorePath}" })
        {
            var response = await admin.PutAsJsonAsync("/api/v1/migrations/escape-store/dev/target", new { provider = "sqlite", connectionString = $"Data Source={file}" }, TestApi.Json);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(0, await factory.WithStoreAsync(db => db.MigrationTargets.CountAsync(t => t.Service == "escape-store")));
        Assert.Equal(users, await UsersAndRolesAsync(factory));
    }
}
