using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// A stolen data folder: with OPS_KEYS_CERT the data-protection keys in it are encrypted, so the
/// webhook secrets, target connection strings and session cookies they protect stay closed to the
/// thief, while the console itself, given the certificate, restarts and reads everything.
/// </summary>
public sealed class KeysAttackTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "opsconsole-tests", "keys-" + Guid.NewGuid().ToString("N"));
    private const string CertPassword = "pfx-password-for-tests";

    public KeysAttackTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string CreateCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=OpsConsole data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        // Kept beside, not inside, the data folder: a copy of the data folder does not include it.
        var path = Path.Combine(_root, "keys.pfx");
        File.WriteAllBytes(path, cert.Export(X509ContentType.Pfx, CertPassword));
        return path;
    }

    // What a stolen data folder holds is a question of the embedded store, whose key ring is a folder of
    // files: these consoles run on SQLite in every suite run (on PostgreSQL the keys are rows of the store).
    private static readonly Dictionary<string, string?> FileStore = new() { ["OPS_STORE"] = "sqlite" };

    private static Dictionary<string, string?> WithCertificate(string path) => new(FileStore) { ["OPS_KEYS_CERT"] = path, ["OPS_KEYS_CERT_PASSWORD"] = CertPassword };

    /// <summary>First life of a console: a webhook with a secret, and a signed-in session. Returns (admin token, webhook secret, session cookie).</summary>
    private static async Task<(string AdminToken, string WebhookSecret, string Cookie)> UseAsync(ConsoleFactory console)
    {
        var secret = "whsec-" + Guid.NewGuid().ToString("N");
        await console.CreateWebhookAsync(secret);
        var (browser, cookies) = console.CreateBrowser();
        using (browser)
        {
            await browser.SignInAsync(FirstRun.AdminUserName, console.AdminPassword);
            return (console.AdminToken, secret, cookies.AuthCookieOf(browser.BaseAddress!)!);
        }
    }

    private static async Task<HttpStatusCode> MeWithCookieAsync(ConsoleFactory console, string cookie)
    {
        using var client = console.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("Cookie", $"{TestApi.AuthCookie}={cookie}");
        return (await client.GetAsync("/api/v1/me")).StatusCode;
    }

    private static Task<string> StoredSecretAsync(ConsoleFactory console) =>
        console.WithStoreAsync(db => db.Webhooks.AsNoTracking().Select(w => w.ProtectedSecret).SingleAsync());

    [Fact]
    public async Task With_a_certificate_the_keys_on_disk_are_encrypted_and_the_console_reads_its_data_after_a_restart()
    {
        var data = Path.Combine(_root, "data");
        var cert = CreateCertificate();
        (string AdminToken, string WebhookSecret, string Cookie) first;
        await using (var console = ConsoleFactory.OnDataDirectory(data, WithCertificate(cert)))
            first = await UseAsync(console);

        var keyFiles = Directory.GetFiles(Path.Combine(data, "keys"), "*.xml");
        Assert.NotEmpty(keyFiles);
        foreach (var file in keyFiles)
        {
            var xml = await File.ReadAllTextAsync(file);
            Assert.Contains("EncryptedData", xml);
            Assert.DoesNotContain("<value>", xml); // the clear master key element of an unprotected key
        }

        await using var restarted = ConsoleFactory.OnDataDirectory(data, WithCertificate(cert));
        using var admin = restarted.CreateTokenClient(first.AdminToken);
        await admin.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
        Assert.Equal(first.WebhookSecret, restarted.Services.GetRequiredService<WebhookSecrets>().Unprotect(await StoredSecretAsync(restarted)));
        Assert.Equal(HttpStatusCode.OK, await MeWithCookieAsync(restarted, first.Cookie));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task A_stolen_data_folder_without_the_certificate_opens_no_webhook_secret_and_no_session()
    {
        var data = Path.Combine(_root, "data");
        var cert = CreateCertificate();
        (string AdminToken, string WebhookSecret, string Cookie) first;
        await using (var console = ConsoleFactory.OnDataDirectory(data, WithCertificate(cert)))
            first = await UseAsync(console);
        Assert.DoesNotContain(Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories), f => f.EndsWith(".pfx"));

        // The thief runs the console's own code on the copy, without the certificate.
        await using var thief = ConsoleFactory.OnDataDirectory(data, FileStore);
        using var admin = thief.CreateTokenClient(first.AdminToken); // token hashes are not keys: see the README
        await admin.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
        var stored = await StoredSecretAsync(thief);
        Assert.ThrowsAny<CryptographicException>(() => thief.Services.GetRequiredService<WebhookSecrets>().Unprotect(stored));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeWithCookieAsync(thief, first.Cookie));
    }

    [Fact]
    public async Task With_OPS_KEYS_DIR_outside_the_data_folder_a_copy_of_the_data_folder_holds_no_key()
    {
        var data = Path.Combine(_root, "data");
        var keys = Path.Combine(_root, "keyring");
        (string AdminToken, string WebhookSecret, string Cookie) first;
        await using (var console = ConsoleFactory.OnDataDirectory(data, new Dictionary<string, string?>(FileStore) { ["OPS_KEYS_DIR"] = keys }))
            first = await UseAsync(console);

        Assert.NotEmpty(Directory.GetFiles(keys, "*.xml"));
        Assert.DoesNotContain(Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories), f => f.EndsWith(".xml"));

        await using var thief = ConsoleFactory.OnDataDirectory(data, FileStore);
        var stored = await StoredSecretAsync(thief);
        Assert.ThrowsAny<CryptographicException>(() => thief.Services.GetRequiredService<WebhookSecrets>().Unprotect(stored));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeWithCookieAsync(thief, first.Cookie));
    }
}
