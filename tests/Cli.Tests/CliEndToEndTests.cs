using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Cli.Tests;

/// <summary>One console for the class: Hangfire keeps process-wide state, so two hosts one after the other in a process interfere.</summary>
public sealed class LoopbackConsoleFixture : IAsyncLifetime
{
    public ConsoleOnLoopback Console { get; } = new();

    public Task InitializeAsync()
    {
        Console.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Console.DisposeAsync();
}

/// <summary>The CLI against a real console on loopback: register, report JUnit, promote and wait; a rejection ends with its reason.</summary>
public sealed class CliEndToEndTests(LoopbackConsoleFixture fixture) : IClassFixture<LoopbackConsoleFixture>, IAsyncLifetime
{
    private readonly ConsoleOnLoopback _console = fixture.Console;
    private readonly CliRun _cli = new() { PollInterval = TimeSpan.FromMilliseconds(500) };
    private string _ciToken = "";

    private const string PassingUnit = """
        <testsuites><testsuite name="unit" tests="3"><testcase classname="cart" name="adds"/><testcase classname="cart" name="removes"/><testcase classname="cart" name="totals"/></testsuite></testsuites>
        """;

    public async Task InitializeAsync()
    {
        _ciToken = await _console.CreateCiTokenAsync();
        var login = await _cli.RunAsync("login", "--url", _console.Url, "--token", _ciToken);
        Assert.True(login.ExitCode == 0, login.ToString());
    }

    public Task DisposeAsync()
    {
        _cli.Dispose();
        return Task.CompletedTask;
    }

    private async Task RegisterAndTestAsync(string service, string version)
    {
        var commitTime = DateTime.UtcNow.AddHours(-2).ToString("O");
        var created = await _cli.RunAsync("release", "create", "--service", service, "--version", version, "--commit", "0123456789abcdef0123456789abcdef01234567",
            "--commit-time", commitTime, "--build-url", "https://ci.example.com/builds/42");
        Assert.True(created.ExitCode == 0, created.ToString());
        var again = await _cli.RunAsync("release", "create", "--service", service, "--version", version, "--commit", "0123456789abcdef0123456789abcdef01234567",
            "--commit-time", commitTime, "--build-url", "https://ci.example.com/builds/42");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already registered with the same content", again.Out, StringComparison.Ordinal);
        var checks = await _cli.RunAsync("release", "checks", "--service", service, "--version", version, "--name", "unit", "--junit", _cli.WriteFile($"unit-{version}.xml", PassingUnit));
        Assert.True(checks.ExitCode == 0, checks.ToString());
        Assert.Contains("passed, 3 tests", checks.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_release_goes_to_dev_through_its_required_check_and_promote_wait_exits_0()
    {
        await _console.SeedServiceAsync("cart");
        await RegisterAndTestAsync("cart", "1.1.0");

        var promoted = await _cli.RunAsync("promote", "--service", "cart", "--version", "1.1.0", "--to", "dev", "--wait", "--timeout", "90s");

        if (promoted.ExitCode != ExitCodes.Ok)
        {
            await using var s = _console.Services.CreateAsyncScope();
            var rollouts = await s.ServiceProvider.GetRequiredService<OpsDbContext>().Rollouts.AsNoTracking().Where(r => r.Service == "cart").ToListAsync();
            Assert.Fail(promoted + "\n--- rollouts\n" + string.Join("\n", rollouts.Select(r => $"{r.Environment} {r.Version} {r.Phase} step {r.CurrentStepIndex}: {r.Message}")));
        }
        Assert.Contains("status: Succeeded", promoted.Out, StringComparison.Ordinal);
        Assert.Contains("cart is promoted to dev", promoted.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(_ciToken, promoted.Out + promoted.Error, StringComparison.Ordinal);
        await using var scope = _console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
        Assert.Equal("1.1.0", (await db.DeployTargets.SingleAsync(t => t.Service == "cart" && t.Environment == "dev")).StableVersion);
    }

    [Fact]
    public async Task A_rejected_promotion_exits_4_with_the_reason()
    {
        await _console.SeedServiceAsync("till");
        await RegisterAndTestAsync("till", "2.0.0");
        var dev = await _cli.RunAsync("promote", "--service", "till", "--version", "2.0.0", "--to", "dev", "--wait", "--timeout", "3m");
        Assert.True(dev.ExitCode == ExitCodes.Ok, dev.ToString());

        var waiting = _cli.RunAsync("promote", "--service", "till", "--version", "2.0.0", "--to", "prod", "--wait", "--timeout", "3m");
        Guid id = default;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (id == default && DateTime.UtcNow < deadline && !waiting.IsCompleted)
        {
            await using var scope = _console.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            id = await db.Promotions.Where(p => p.Service == "till" && p.Environment == "prod" && p.Status == PromotionStatus.AwaitingApproval)
                .Select(p => p.Id).FirstOrDefaultAsync();
            if (id == default) await Task.Delay(200);
        }
        if (waiting.IsCompleted) Assert.Fail("ops promote ended before the promotion waited for approval: " + await waiting);
        Assert.NotEqual(default, id);
        await using (var scope = _console.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<PromotionDesk>()
                .RejectAsync(new Actor("rita", new HashSet<string> { Roles.ReleaseManager }, "cli-e2e"), id, "The changelog does not mention the schema change.");

        var r = await waiting;
        Assert.True(r.ExitCode == ExitCodes.Rejected, r.ToString());
        Assert.Contains("gate approvals", r.Out, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("The changelog does not mention the schema change.", r.Error, StringComparison.Ordinal);
    }
}
