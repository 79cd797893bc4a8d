using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.Security;

/// <summary>What the migration attack tests share: bundles as an attacker would upload them, a fresh target per test, and "nothing changed" checks.</summary>
public static class MigrationAttackKit
{
    public sealed record Change(string Folder, string Deploy, string Verify = "SELECT 1;\n", string Revert = "SELECT 1;\n", string? Yaml = null);

    public static ByteArrayContent Bundle(params Change[] changes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var c in changes)
            {
                foreach (var (name, text) in new[] { ("deploy.sql", c.Deploy), ("verify.sql", c.Verify), ("revert.sql", c.Revert), ("change.yaml", c.Yaml) })
                {
                    if (text is null) continue;
                    using var w = new StreamWriter(zip.CreateEntry($"{c.Folder}/{name}").Open());
                    w.Write(text);
                }
            }
        }
        return new ByteArrayContent(buffer.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };
    }

    public static async Task UploadAsync(HttpClient client, string service, string version, params Change[] changes) =>
        await client.PostAsync($"/api/v1/migrations/{service}/bundles?version={version}", Bundle(changes)).EnsureStatusAsync(HttpStatusCode.Created);

    /// <summary>A SQLite target of its own for a service (a name only this test uses), beside the demo's targets; returns its file.</summary>
    public static async Task<string> TargetAsync(ConsoleFactory factory, string service, string environment = "dev", bool requiresApproval = false)
    {
        var file = Path.Combine(factory.DataDirectory, "targets", $"{service}-{environment}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using var admin = factory.CreateAdminClient();
        await admin.PutAsJsonAsync($"/api/v1/migrations/{service}/{environment}/target",
            new { provider = "sqlite", connectionString = $"Data Source={file}", requiresApproval }, TestApi.Json).EnsureStatusAsync(HttpStatusCode.OK);
        return file;
    }

    public static async Task<object?> ScalarAsync(string file, string sql)
    {
        await using var c = new SqliteConnection($"Data Source={file};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }

    public static async Task<bool> HasTableAsync(string file, string table) =>
        (long)(await ScalarAsync(file, $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"))! > 0;

    /// <summary>Every user with roles, lockout and security stamp: equal before and after means nobody's access changed.</summary>
    public static Task<string> UsersAndRolesAsync(ConsoleFactory factory) => factory.WithStoreAsync(async db =>
    {
        var users = await db.Users.AsNoTracking().OrderBy(u => u.UserName).Select(u => $"{u.UserName}|{u.LockoutEnd}|{u.SecurityStamp}|{u.PasswordHash}").ToListAsync();
        var roles = await db.UserRoles.AsNoTracking().OrderBy(r => r.UserId).ThenBy(r => r.RoleId).Select(r => r.UserId + ":" + r.RoleId).ToListAsync();
        return string.Join("\n", users.Concat(roles));
    });


    public static async Task<JsonElement> StatusAsync(HttpClient client, string service, string environment = "dev") =>
        await (await client.GetAsync($"/api/v1/migrations/{service}/{environment}").EnsureStatusAsync(HttpStatusCode.OK)).ReadJsonAsync();

    public static string[] Names(JsonElement status, string list) => [.. status.GetProperty(list).EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];

    public static string Messages(JsonElement batch) =>
        string.Join("\n", new[] { batch.GetProperty("message").GetString() ?? "" }
            .Concat(batch.GetProperty("blockers").EnumerateArray().Select(e => e.GetString()!))
            .Concat(batch.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)));
}
