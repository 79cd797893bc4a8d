using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Runbooks.Actions;
using OpsConsole.Core.Tests.Shared;

namespace OpsConsole.Core.Tests.Alerting;

/// <summary>The <c>silence.create</c> runbook step: a silence through Alerting's own operation, as the actor.</summary>
public sealed class SilenceRunbookActionTests : IAsyncLifetime
{
    private static readonly Actor OnCall = new("olive", new HashSet<string> { Roles.OnCall }, "test");
    private static readonly Actor Viewer = new("vic", new HashSet<string> { Roles.Viewer }, "test");
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private TestStore store = null!;

    public async Task InitializeAsync() =>
        store = await TestStore.CreateAsync(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddAlerting();
        });

    public async Task DisposeAsync() => await store.DisposeAsync();

    private IRunbookAction Action => store.Services.GetServices<IRunbookAction>().Single(a => a.Name == "silence.create");

    private static RunbookActionArguments Args(params (string Key, string Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value));

    private async Task<int> SilenceCountAsync()
    {
        await using var db = store.NewContext();
        return await db.Silences.CountAsync();
    }

    [Fact]
    public async Task An_oncall_user_silences_the_matching_alerts_for_the_given_duration()
    {
        var args = Args(("matchers", "alertname=HighErrorRate,service=checkout"), ("duration", "2h"), ("comment", "Rolling back."));
        Assert.Equal("Silence alerts matching {alertname=\"HighErrorRate\",service=\"checkout\"} for 2h.", Action.Describe(args));

        var outcome = await Action.RunAsync(OnCall, args, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        await using var db = store.NewContext();
        var silence = await db.Silences.SingleAsync();
        Assert.Equal("{alertname=\"HighErrorRate\",service=\"checkout\"}", silence.Matchers);
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddHours(2), silence.EndsAt);
        Assert.Equal("olive", silence.CreatedBy);
        Assert.Equal("Rolling back.", silence.Comment);
        Assert.Contains(silence.Id.ToString(), outcome.Output, StringComparison.Ordinal);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "silence.create" && a.Actor == "olive"));
    }

    [Fact]
    public async Task A_viewer_is_refused_and_nothing_is_silenced()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => Action.RunAsync(Viewer, Args(("matchers", "service=checkout"), ("comment", "x")), CancellationToken.None));
        Assert.Equal(0, await SilenceCountAsync());
    }

    [Theory]
    [InlineData("service=~\"(\"", "1h")]
    [InlineData("service=checkout", "soon")]
    [InlineData("service=checkout", "100d")]
    [InlineData("", "1h")]
    public async Task Bad_arguments_are_refused_before_anything_runs(string matchers, string duration)
    {
        var args = Args(("matchers", matchers), ("duration", duration), ("comment", "x"));
        Assert.ThrowsAny<InvalidInputException>(() => Action.Validate(args));
        await Assert.ThrowsAnyAsync<InvalidInputException>(() => Action.RunAsync(OnCall, args, CancellationToken.None));
        Assert.Equal(0, await SilenceCountAsync());
    }
}
