using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Releases;

/// <summary>Records promotion requests instead of carrying them out; can be told to refuse.</summary>
internal sealed class RecordingPromotions : IPromotionRequests
{
    public List<(string Actor, string Service, string Version, string Environment)> Requests { get; } = [];
    public Exception? Refuse { get; set; }

    public Task<PromotionTicket> RequestAsync(Actor actor, string service, string version, string environment, CancellationToken ct = default)
    {
        if (Refuse is not null) throw Refuse;
        Requests.Add((actor.Name, service, version, environment));
        return Task.FromResult(new PromotionTicket(Guid.NewGuid(), "WaitingForGates"));
    }
}

/// <summary>A real store with the demo deploy targets (checkout, catalog, payments in dev, staging, prod) and the releases capability.</summary>
internal static class ReleaseFixture
{
    public static readonly Actor Ci = new("ci-token", new HashSet<string> { TokenScopes.Ci }, "corr-ci");
    public static readonly Actor Manager = new("rita", new HashSet<string> { Roles.ReleaseManager }, "corr-rm");
    public static readonly Actor Admin = new("ada", new HashSet<string> { Roles.Admin }, "corr-admin");
    public static readonly Actor Viewer = new("vic", new HashSet<string> { Roles.Viewer }, "corr-v");
    public static readonly Actor Responder = new("olga", new HashSet<string> { Roles.OnCall }, "corr-oc");

    public static async Task<TestStore> CreateAsync(FakeTimeProvider clock, RecordingPromotions? promotions = null)
    {
        var store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContext());
            s.AddReleases();
            if (promotions is not null) s.AddSingleton<IPromotionRequests>(promotions);
        });
        await using var db = store.NewContext();
        await DemoSeed.EnsureAsync(db, demo: true, clock.GetUtcNow().UtcDateTime);
        return store;
    }

    public static ReleaseRegistration Registration(string version = "1.2.0", string service = "checkout", string commit = "0a1b2c3d4e5f", string changelog = "Faster checkout") =>
        new(service, version, commit, new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), "https://ci.example.test/build/42", changelog);

    public static AsyncServiceScope Scope(this TestStore store) => store.Services.CreateAsyncScope();

    public static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    public const string PassingJUnit = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites>
          <testsuite name="unit" tests="3">
            <testcase classname="Cart" name="adds" time="0.5"/>
            <testcase classname="Cart" name="removes" time="0.25"/>
            <testcase classname="Cart" name="empties" time="0.25"><skipped/></testcase>
          </testsuite>
        </testsuites>
        """;

    public const string FailingJUnit = """
        <testsuite name="e2e" tests="3" failures="0">
          <testcase classname="Checkout" name="pays" time="1.5"><failure message="expected 200">boom</failure></testcase>
          <testcase classname="Checkout" name="refunds"><error message="timeout"/></testcase>
          <testcase classname="Checkout" name="lists"/>
        </testsuite>
        """;
}
