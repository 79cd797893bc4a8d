using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>A console with the real (default) rate limits, as it runs in production.</summary>
public sealed class DefaultLimitsConsoleFactory : IAsyncLifetime
{
    public ConsoleFactory Factory { get; } = ConsoleFactory.With(new Dictionary<string, string?>
    {
        ["OPS_SIGNIN_ATTEMPTS_PER_MINUTE"] = null,
        ["OPS_EXPENSIVE_READS_PER_MINUTE"] = null,
        ["OPS_HUB_MAX_SUBSCRIPTIONS"] = null,
    });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>
/// Hammering: password guessing from one address, a 300-character user name, reads of the whole
/// audit trail in a loop, and a hub connection subscribing without end. Each test uses its own
/// client address or user, so the limits one test exhausts do not touch the next.
/// </summary>
public sealed class RateLimitAttackTests(DefaultLimitsConsoleFactory fx) : IClassFixture<DefaultLimitsConsoleFactory>
{
    private ConsoleFactory Console => fx.Factory;

    private (HttpClient Client, CookieContainer Cookies) BrowserFrom(string address)
    {
        var (client, cookies) = Console.CreateBrowser();
        client.DefaultRequestHeaders.Add(ConsoleFactory.ClientAddressHeader, address);
        return (client, cookies);
    }

    /// <summary>Ends the current minute for the console's clock and waits until the refused sign-ins audited so far satisfy <paramref name="complete"/>.</summary>
    private async Task<List<Core.Audit.AuditEntry>> RefusalsAfterTheMinuteAsync(Func<List<Core.Audit.AuditEntry>, bool> complete)
    {
        Console.Clock.Offset += TimeSpan.FromSeconds(61);
        List<Core.Audit.AuditEntry> entries = [];
        await Wait.UntilAsync(async () =>
        {
            entries = await Console.WithStoreAsync(db => db.AuditEntries.AsNoTracking()
                .Where(e => e.Action == "auth.signin.refused").OrderBy(e => e.Sequence).ToListAsync());
            return complete(entries);
        }, "the refused sign-ins to be audited");
        return entries;
    }

    private static int CountOf(IEnumerable<Core.Audit.AuditEntry> entries) => entries.Sum(e => After(e).GetProperty("count").GetInt32());

    private static string? AttemptedUser(Core.Audit.AuditEntry e) =>
        After(e).TryGetProperty("attemptedUser", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;

    private static JsonElement After(Core.Audit.AuditEntry e) => JsonDocument.Parse(e.After!).RootElement;

    [Fact]
    public async Task A_person_at_the_sign_in_form_who_hits_the_limit_reads_a_page_that_says_how_long_to_wait()
    {
        var before = await ConsoleState.TakeAsync(Console);
        var (browser, _) = BrowserFrom("203.0.113.77");
        using (browser)
        {
            browser.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml");
            HttpResponseMessage response;
            var attempts = 0;
            do response = await browser.PostLoginAsync("ghost-" + Guid.NewGuid().ToString("N")[..8], "not-a-password");
            while (response.StatusCode != HttpStatusCode.TooManyRequests && ++attempts < 100);

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("Too many sign-in attempts came from your address. Try again in", page);
            Assert.Contains("href=\"/account/login\"", page);
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 }, "the page's answer carries Retry-After too");
        }
        Assert.Equal(before, await ConsoleState.TakeAsync(Console));
    }

    [Fact]
    public async Task Fifty_sign_in_posts_from_one_address_are_cut_off_with_429_and_audited_as_one_entry_per_user_and_minute()
    {
        var password = Names.Password();
        var victim = await Console.CreateUserAsync(password, Roles.Viewer);
        using var admin = Console.CreateAdminClient();
        var before = await ConsoleState.TakeAsync(Console);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        var (attacker, _) = BrowserFrom("203.0.113.50");
        using (attacker)
            for (var i = 0; i < 50; i++)
            {
                // Alternating a real account and a made-up one, as a password sprayer does.
                var response = await attacker.PostLoginAsync(i % 2 == 0 ? victim : "ghost-" + victim, $"guess-{i}-{Guid.NewGuid():N}");
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests) limited ??= response;
            }

        // The default allows 20 posts per minute per address; the rest are refused before any password check
        // (a burst slower than a minute would get a few more through when the window turns over).
        Assert.All(statuses.Take(20), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[20]);
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 20, "most of the burst is refused: " + string.Join(",", statuses.Select(s => (int)s)));
        var victimRefusals = statuses.Where((s, i) => i % 2 == 0 && s == HttpStatusCode.Unauthorized).Count();
        var ghostRefusals = statuses.Where((s, i) => i % 2 == 1 && s == HttpStatusCode.Unauthorized).Count();
        Assert.NotNull(limited);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 and <= 60 }, "429 carries Retry-After in seconds");
        Assert.Equal(429, (await limited.ReadJsonAsync()).GetProperty("status").GetInt32());

        // Another address is not affected: its attempt reaches the password check.
        var (other, _) = BrowserFrom("198.51.100.7");
        using (other) Assert.Equal(HttpStatusCode.Unauthorized, (await other.PostLoginAsync("other-" + victim, "not-a-password")).StatusCode);

        // One entry per user name per minute, carrying the count (not one entry per attempt).
        var entries = await RefusalsAfterTheMinuteAsync(all =>
            CountOf(all.Where(e => e.Target == $"user/{victim}")) == victimRefusals && CountOf(all.Where(e => AttemptedUser(e) == "ghost-" + victim)) == ghostRefusals);
        var forVictim = entries.Where(e => e.Target == $"user/{victim}").ToList();
        var forGhost = entries.Where(e => AttemptedUser(e) == "ghost-" + victim).ToList();
        Assert.All(forGhost, e => Assert.Equal("user/unknown", e.Target));
        Assert.Contains("LockedOut", forVictim.Last().After); // the sixth guess on a real account found it locked
        Assert.InRange(forVictim.Count, 1, 2); // 2 only if the burst straddled a minute boundary
        Assert.InRange(forGhost.Count, 1, 2);
        Assert.All(forVictim.Concat(forGhost).GroupBy(e => (e.Target, AttemptedUser(e), After(e).GetProperty("minute").GetDateTime())), g => Assert.Single(g));
        Assert.All(entries, e => Assert.DoesNotContain("guess-", e.After));

        Assert.Equal(before, await ConsoleState.TakeAsync(Console));
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task A_300_character_user_name_is_cut_to_64_characters_in_the_audit_trail_and_the_logs()
    {
        var longName = "x" + new string('a', 298) + "z";
        var guess = "guess-" + Guid.NewGuid().ToString("N");
        var (attacker, _) = BrowserFrom("203.0.113.51");
        using (attacker)
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostLoginAsync(longName, guess)).StatusCode);

        var entry = Assert.Single(await RefusalsAfterTheMinuteAsync(all => all.Any(e => AttemptedUser(e)?.StartsWith("xaaa") == true)),
            e => AttemptedUser(e)?.StartsWith("xaaa") == true);
        var attempted = AttemptedUser(entry)!;
        Assert.Equal(longName[..64], attempted);
        Assert.DoesNotContain(longName[..65], entry.After);
        Assert.DoesNotContain(guess, entry.After);
        Assert.DoesNotContain(Console.Logs.Entries, l => l.Text.Contains(longName[..65], StringComparison.Ordinal) || l.Text.Contains(guess, StringComparison.Ordinal));
        using var admin = Console.CreateAdminClient();
        await ConsoleState.AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Hammering_the_audit_export_and_verify_is_cut_off_per_user_with_429()
    {
        using var admin = Console.CreateAdminClient();
        var hammerer = await Console.CreateUserAsync(Names.Password(), Roles.Viewer);
        var bystander = await Console.CreateUserAsync(Names.Password(), Roles.Viewer);
        using var asHammerer = await TokenClientForAsync(hammerer);
        using var asBystander = await TokenClientForAsync(bystander);
        var before = await ConsoleState.TakeAsync(Console);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 15; i++)
        {
            var response = await asHammerer.GetAsync("/api/v1/audit/export?format=json");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited ??= response;
        }
        var verify = await asHammerer.PostAsync("/api/v1/audit/verify", null);

        Assert.All(statuses.Take(10), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
        Assert.Equal(HttpStatusCode.TooManyRequests, verify.StatusCode); // one budget for every expensive read
        Assert.NotNull(limited);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        // The limit is per user: someone else still reads.
        await asBystander.GetAsync("/api/v1/audit/export").EnsureStatusAsync(HttpStatusCode.OK);

        Assert.Equal(before, await ConsoleState.TakeAsync(Console));
        await ConsoleState.AssertAuditIntactAsync(asBystander);
    }

    [Fact]
    public async Task Hammering_the_migration_status_is_cut_off_per_user_with_429()
    {
        var hammerer = await Console.CreateUserAsync(Names.Password(), Roles.Viewer);
        using var asHammerer = await TokenClientForAsync(hammerer);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
            statuses.Add((await asHammerer.GetAsync("/api/v1/migrations/checkout/dev")).StatusCode);

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(10));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
    }

    [Fact]
    public async Task A_hub_connection_cannot_subscribe_beyond_the_cap()
    {
        using var admin = Console.CreateAdminClient();
        var (_, token) = await admin.CreateTokenAsync(Roles.Viewer);
        var server = Console.Server;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/events"), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();

        for (var i = 0; i < 50; i++)
            await connection.InvokeAsync<string>("Subscribe", $"svc-{i}/prod");
        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Subscribe", "svc-50/prod"));
        Assert.Contains("at most 50", refused.Message);

        // Subscribing again to a held subject is no new subscription; unsubscribing frees a place.
        await connection.InvokeAsync<string>("Subscribe", "svc-0/prod");
        await connection.InvokeAsync("Unsubscribe", "svc-0/prod");
        Assert.Equal("s:svc-50/prod", await connection.InvokeAsync<string>("Subscribe", "svc-50/prod"));
    }

    private async Task<HttpClient> TokenClientForAsync(string userName)
    {
        // An Admin cannot issue tokens for others; the user signs in and issues one, as they would.
        var password = Names.Password();
        using (var admin = Console.CreateAdminClient())
            await admin.PostAsync($"/api/v1/users/{userName}/password", System.Net.Http.Json.JsonContent.Create(new { password }, options: TestApi.Json))
                .EnsureStatusAsync(HttpStatusCode.NoContent);
        var (browser, _) = BrowserFrom("198.51.100." + Random.Shared.Next(10, 250));
        using (browser)
        {
            await browser.SignInAsync(userName, password);
            await browser.UseAntiforgeryHeaderAsync();
            var (_, secret) = await browser.CreateTokenAsync(Roles.Viewer);
            return Console.CreateTokenClient(secret);
        }
    }
}
