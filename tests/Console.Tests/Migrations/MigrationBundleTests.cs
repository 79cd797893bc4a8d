using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Migrations;

/// <summary>Uploading a service's migrations as a zip bundle for a version.</summary>
public sealed class MigrationBundleTests(MigrationConsoleFactory factory) : IClassFixture<MigrationConsoleFactory>
{
    /// <summary>The shipped payments changes plus <paramref name="extra"/> (folder name → deploy SQL).</summary>
    private static byte[] Bundle(params (string Folder, string Deploy)[] extra)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var shipped = Path.Combine(AppContext.BaseDirectory, "migrations", "payments");
            foreach (var file in Directory.GetFiles(shipped, "*", SearchOption.AllDirectories))
                zip.CreateEntryFromFile(file, Path.GetRelativePath(shipped, file).Replace('\\', '/'));
            foreach (var (folder, deploy) in extra)
            {
                void Add(string name, string text)
                {
                    using var w = new StreamWriter(zip.CreateEntry($"{folder}/{name}").Open());
                    w.Write(text);
                }
                Add("deploy.sql", deploy);
                Add("verify.sql", "SELECT 1;\n");
                Add("revert.sql", "SELECT 1;\n");
            }
        }
        return buffer.ToArray();
    }

    private static ByteArrayContent Zip(byte[] bytes) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };

    private static string[] Pending(System.Text.Json.JsonElement status) =>
        [.. status.GetProperty("pending").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];

    [Fact]
    public async Task A_release_manager_uploads_a_bundle_and_its_new_change_becomes_pending()
    {
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        var bundle = Bundle(("004_create_refunds", "CREATE TABLE refunds (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL DEFAULT 0);\n"));
        var created = await (await rm.PostAsync("/api/v1/migrations/payments/bundles?version=1.4.0", Zip(bundle)).EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        Assert.Equal("1.4.0", created.GetProperty("version").GetString());
        Assert.Contains("004_create_refunds", created.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));

        var status = await (await rm.GetAsync("/api/v1/migrations/payments/dev")).ReadJsonAsync();
        Assert.Contains("004_create_refunds", Pending(status));

        // The same bytes again change nothing; other bytes under the same version are refused.
        await rm.PostAsync("/api/v1/migrations/payments/bundles?version=1.4.0", Zip(bundle)).EnsureStatusAsync(HttpStatusCode.Created);
        var other = Bundle(("004_create_refunds", "CREATE TABLE refunds (id INTEGER PRIMARY KEY);\n"));
        await rm.PostAsync("/api/v1/migrations/payments/bundles?version=1.4.0", Zip(other)).EnsureStatusAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, await factory.WithStoreAsync(db => db.AuditEntries.CountAsync(a => a.Action == "migration.bundle.upload")));
    }

    [Fact]
    public async Task A_broken_bundle_is_refused_whole_and_nothing_changes()
    {
        var (_, rm) = await factory.UserClientAsync(Roles.ReleaseManager);
        var before = await (await rm.GetAsync("/api/v1/migrations/catalog/dev")).ReadJsonAsync();

        var notZip = await rm.PostAsync("/api/v1/migrations/catalog/bundles?version=9.9.9", Zip("not a zip"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, notZip.StatusCode);
        // A change without verify.sql: the reader names the file.
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var w = new StreamWriter(zip.CreateEntry("001_only_deploy/deploy.sql").Open())) w.Write("CREATE TABLE x (id INTEGER);");
        var missing = await rm.PostAsync("/api/v1/migrations/catalog/bundles?version=9.9.9", Zip(buffer.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("verify", (await missing.Content.ReadAsStringAsync()));
        var noVersion = await rm.PostAsync("/api/v1/migrations/catalog/bundles", Zip(Bundle()));
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);

        var after = await (await rm.GetAsync("/api/v1/migrations/catalog/dev")).ReadJsonAsync();
        Assert.Equal(Pending(before), Pending(after));
        Assert.Equal(0, await factory.WithStoreAsync(db => db.AuditEntries.CountAsync(a => a.Action == "migration.bundle.upload" && a.Target == "migrations/catalog")));
    }

    [Fact]
    public async Task Only_release_managers_upload_bundles()
    {
        var (_, viewer) = await factory.UserClientAsync(Roles.Viewer, Roles.OnCall, Roles.Admin);
        var response = await viewer.PostAsync("/api/v1/migrations/payments/bundles?version=2.0.0", Zip(Bundle()));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
