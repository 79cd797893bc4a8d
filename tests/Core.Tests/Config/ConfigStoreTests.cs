using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Config;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Tests.Releases;
using static OpsConsole.Core.Tests.Releases.ReleaseFixture;

namespace OpsConsole.Core.Tests.Config;

public sealed class ConfigStoreTests
{
    private const string Secret = "s3cr3t-value-7f1c9a";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_secret_is_encrypted_at_rest_masked_in_reads_and_resolved_only_for_the_workload()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var config = scope.ServiceProvider.GetRequiredService<ConfigStore>();

        await config.SetAsync(Manager, "checkout", "prod", "FEATURE_X", "on", secret: false);
        var set = await config.SetAsync(Manager, "checkout", "prod", "DB_PASSWORD", Secret, secret: true);

        Assert.Null(set.Value);
        Assert.StartsWith("•••• set at 2026-11-28 12:00 UTC by rita", set.Display);
        var list = await config.ListAsync("checkout", "prod");
        Assert.Equal(["DB_PASSWORD", "FEATURE_X"], list.Select(i => i.Key));
        Assert.DoesNotContain(list, i => i.Value == Secret || i.Display.Contains(Secret));

        var snapshot = await config.CurrentAsync("checkout", "prod");
        Assert.Equal("${secret:DB_PASSWORD@1}", snapshot.Workload["DB_PASSWORD"]);
        Assert.Equal("on", snapshot.Workload["FEATURE_X"]);

        var resolved = await scope.ServiceProvider.GetRequiredService<IWorkloadSecrets>().ResolveAsync(new ServiceEnvironment("checkout", "prod"), snapshot.Workload);
        Assert.Equal(Secret, resolved["DB_PASSWORD"]);
        Assert.Equal("on", resolved["FEATURE_X"]);

        await using var db = store.NewContext();
        var stored = await db.ConfigSecretVersions.SingleAsync();
        Assert.DoesNotContain(Secret, stored.ProtectedValue);
        Assert.DoesNotContain(Secret, (await db.ConfigEntries.SingleAsync(e => e.Key == "DB_PASSWORD")).Value);
        foreach (var e in await db.OutboxEvents.ToListAsync()) Assert.DoesNotContain(Secret, e.CloudEventJson);
        foreach (var a in await db.AuditEntries.ToListAsync()) Assert.DoesNotContain(Secret, $"{a.Before} {a.After} {a.Target}");
        Assert.Equal(2, await db.OutboxEvents.CountAsync(e => e.Type == OpsConsole.Core.Events.EventTypes.ConfigChanged && e.Subject == "checkout/prod"));
    }

    [Fact]
    public async Task A_new_secret_version_changes_the_snapshot_hash_and_the_old_version_still_resolves()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var config = scope.ServiceProvider.GetRequiredService<ConfigStore>();
        await config.SetAsync(Manager, "checkout", "prod", "API_KEY", "first", secret: true);
        var before = await config.CurrentAsync("checkout", "prod");

        await config.SetAsync(Admin, "checkout", "prod", "API_KEY", "second", secret: true);
        var after = await config.CurrentAsync("checkout", "prod");
        var unchanged = await config.CurrentAsync("checkout", "prod");

        Assert.NotEqual(before.Hash, after.Hash);
        Assert.Equal(after.Hash, unchanged.Hash);
        var secrets = scope.ServiceProvider.GetRequiredService<IWorkloadSecrets>();
        var target = new ServiceEnvironment("checkout", "prod");
        Assert.Equal("first", (await secrets.ResolveAsync(target, before.Workload))["API_KEY"]);
        Assert.Equal("second", (await secrets.ResolveAsync(target, after.Workload))["API_KEY"]);
        // Another environment has no such secret: the error names the key, never a value.
        var e = await Assert.ThrowsAsync<InvalidInputException>(async () => await secrets.ResolveAsync(new ServiceEnvironment("checkout", "dev"), after.Workload));
        Assert.Contains("API_KEY", e.Message);
        Assert.DoesNotContain("second", e.Message);
    }

    [Fact]
    public async Task Keys_follow_the_workload_rule_values_never_appear_in_errors_and_only_editors_write()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var config = scope.ServiceProvider.GetRequiredService<ConfigStore>();

        await Assert.ThrowsAsync<InvalidInputException>(() => config.SetAsync(Manager, "checkout", "prod", "LD_PRELOAD", "/tmp/x.so", false));
        await Assert.ThrowsAsync<InvalidInputException>(() => config.SetAsync(Manager, "checkout", "prod", "lower", "x", false));
        var bad = await Assert.ThrowsAsync<InvalidInputException>(() => config.SetAsync(Manager, "checkout", "prod", "TOKEN", Secret + "\u0001", true));
        Assert.DoesNotContain(Secret, bad.Message);
        await Assert.ThrowsAsync<InvalidInputException>(() => config.SetAsync(Manager, "checkout", "prod", "SNEAKY", "${secret:OTHER@1}", false));
        await Assert.ThrowsAsync<NotFoundException>(() => config.SetAsync(Manager, "checkout", "moon", "FEATURE", "x", false));
        await Assert.ThrowsAsync<AccessDeniedException>(() => config.SetAsync(Responder, "checkout", "prod", "FEATURE", "x", false));
        await Assert.ThrowsAsync<AccessDeniedException>(() => config.SetAsync(Ci, "checkout", "prod", "FEATURE", "x", false));
        await using var db = store.NewContext();
        Assert.Equal(0, await db.ConfigEntries.CountAsync());
        Assert.Equal(0, await db.OutboxEvents.CountAsync());
    }

    [Fact]
    public async Task The_diff_between_environments_tells_added_removed_changed_and_secrets_only_as_changed_or_not()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var config = scope.ServiceProvider.GetRequiredService<ConfigStore>();
        await config.SetAsync(Manager, "checkout", "staging", "SAME", "1", false);
        await config.SetAsync(Manager, "checkout", "prod", "SAME", "1", false);
        await config.SetAsync(Manager, "checkout", "staging", "LEVEL", "debug", false);
        await config.SetAsync(Manager, "checkout", "prod", "LEVEL", "info", false);
        await config.SetAsync(Manager, "checkout", "staging", "ONLY_STAGING", "x", false);
        await config.SetAsync(Manager, "checkout", "prod", "ONLY_PROD", "y", false);
        await config.SetAsync(Manager, "checkout", "staging", "SHARED_SECRET", Secret, true);
        await config.SetAsync(Manager, "checkout", "prod", "SHARED_SECRET", Secret, true);
        await config.SetAsync(Manager, "checkout", "staging", "OTHER_SECRET", "a", true);
        await config.SetAsync(Manager, "checkout", "prod", "OTHER_SECRET", "b", true);

        var diff = (await config.DiffEnvironmentsAsync("checkout", "staging", "prod")).ToDictionary(l => l.Key);

        Assert.Equal(ConfigChange.Unchanged, diff["SAME"].Change);
        Assert.Equal((ConfigChange.Changed, "debug", "info"), (diff["LEVEL"].Change, diff["LEVEL"].From, diff["LEVEL"].To));
        Assert.Equal(ConfigChange.Removed, diff["ONLY_STAGING"].Change);
        Assert.Equal(ConfigChange.Added, diff["ONLY_PROD"].Change);
        Assert.Equal((ConfigChange.Unchanged, true, null, null), (diff["SHARED_SECRET"].Change, diff["SHARED_SECRET"].Secret, diff["SHARED_SECRET"].From, diff["SHARED_SECRET"].To));
        Assert.Equal(ConfigChange.Changed, diff["OTHER_SECRET"].Change);
        Assert.Null(diff["OTHER_SECRET"].From);
    }

    [Fact]
    public void The_diff_between_two_recorded_configs_hides_secret_references()
    {
        var from = new Dictionary<string, string> { ["A"] = "1", ["S"] = "${secret:S@1}", ["GONE"] = "x" };
        var to = new Dictionary<string, string> { ["A"] = "2", ["S"] = "${secret:S@2}", ["NEW"] = "y" };

        var diff = ConfigStore.Compare(from, to).ToDictionary(l => l.Key);

        Assert.Equal(ConfigChange.Changed, diff["A"].Change);
        Assert.Equal((ConfigChange.Changed, true, (string?)null), (diff["S"].Change, diff["S"].Secret, diff["S"].To));
        Assert.Equal(ConfigChange.Removed, diff["GONE"].Change);
        Assert.Equal(ConfigChange.Added, diff["NEW"].Change);
    }

    [Fact]
    public async Task Deleting_a_key_removes_it_from_the_snapshot()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var config = scope.ServiceProvider.GetRequiredService<ConfigStore>();
        await config.SetAsync(Manager, "checkout", "prod", "FEATURE", "x", false);

        await config.DeleteAsync(Manager, "checkout", "prod", "FEATURE");

        Assert.Empty((await config.CurrentAsync("checkout", "prod")).Workload);
        await Assert.ThrowsAsync<NotFoundException>(() => config.DeleteAsync(Manager, "checkout", "prod", "FEATURE"));
    }
}
