using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using static OpsConsole.Core.Tests.Releases.ReleaseFixture;

namespace OpsConsole.Core.Tests.Releases;

public sealed class ReleaseRegistryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_registration_is_saved_with_its_event_and_audit_entry_and_an_identical_repeat_answers_the_same_release()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();

        var first = await registry.RegisterAsync(Ci, Registration());
        var again = await registry.RegisterAsync(Ci, Registration() with { Commit = "0A1B2C3D4E5F" });

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Release.Id, again.Release.Id);
        await using var db = store.NewContext();
        Assert.Equal(1, await db.Releases.CountAsync());
        Assert.Equal(1, await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.ReleaseRegistered && e.Subject == "checkout"));
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "release.register" && e.Target == "release/checkout/1.2.0"));
    }

    [Fact]
    public async Task A_different_content_for_the_same_version_is_a_conflict_and_changes_nothing()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();
        await registry.RegisterAsync(Ci, Registration());

        await Assert.ThrowsAsync<ConflictException>(() => registry.RegisterAsync(Ci, Registration(changelog: "Something else")));
        await Assert.ThrowsAsync<ConflictException>(() => registry.RegisterAsync(Ci, Registration(commit: "ffffffff")));

        await using var db = store.NewContext();
        Assert.Equal("Faster checkout", (await db.Releases.SingleAsync()).Changelog);
        Assert.Equal(1, await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.ReleaseRegistered));
    }

    public static TheoryData<string, ReleaseRegistration> BadRegistrations => new()
    {
        { "service", Registration(service: "unknown-service") },
        { "service", Registration(service: "Not A Service") },
        { "version", Registration(version: "1.2 beta") },
        { "version", Registration(version: "") },
        { "commit", Registration(commit: "xyz123456") },
        { "commit", Registration(commit: "abc12") },
        { "commitTime", Registration() with { CommitTime = null } },
        { "buildUrl", Registration() with { BuildUrl = "javascript:alert(1)" } },
        { "buildUrl", Registration() with { BuildUrl = "ftp://ci.example.test/x" } },
        { "buildUrl", Registration() with { BuildUrl = "https://user:pw@ci.example.test/x" } },
        { "changelog", Registration(changelog: new string('x', Release.MaxChangelogLength + 1)) },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task Bad_input_is_refused_naming_the_field_and_nothing_is_saved(string field, ReleaseRegistration request)
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => registry.RegisterAsync(Ci, request));

        Assert.Contains(field, e.Errors.Keys);
        await using var db = store.NewContext();
        Assert.Equal(0, await db.Releases.CountAsync());
        Assert.Equal(0, await db.OutboxEvents.CountAsync());
    }

    [Fact]
    public async Task Only_a_ReleaseManager_an_Admin_or_a_Ci_token_registers_or_reports()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();

        await Assert.ThrowsAsync<AccessDeniedException>(() => registry.RegisterAsync(Viewer, Registration()));
        await Assert.ThrowsAsync<AccessDeniedException>(() => registry.RegisterAsync(Responder, Registration()));
        Assert.True((await registry.RegisterAsync(Manager, Registration("1.0.1"))).Created);
        Assert.True((await registry.RegisterAsync(Admin, Registration("1.0.2"))).Created);
        await Assert.ThrowsAsync<AccessDeniedException>(() => registry.ReportCheckAsync(Viewer, "checkout", "1.0.1", "unit", Utf8(PassingJUnit)));
    }

    [Fact]
    public async Task Checks_are_counted_from_the_test_cases_and_a_report_under_the_same_name_replaces_the_earlier_one()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();
        await registry.RegisterAsync(Ci, Registration());

        var failing = await registry.ReportCheckAsync(Ci, "checkout", "1.2.0", "e2e", Utf8(FailingJUnit));
        var passing = await registry.ReportCheckAsync(Ci, "checkout", "1.2.0", "unit", Utf8(PassingJUnit));
        var rerun = await registry.ReportCheckAsync(Ci, "checkout", "1.2.0", "e2e", Utf8(PassingJUnit));

        Assert.False(failing.Passed);
        Assert.Equal((3, 1, 1, 0), (failing.Tests, failing.Failures, failing.Errors, failing.Skipped));
        Assert.Contains("Checkout.pays", failing.FailedTestsJson);
        Assert.Contains("Checkout.refunds", failing.FailedTestsJson);
        Assert.True(passing.Passed);
        Assert.Equal((3, 0, 0, 1, 1.0), (passing.Tests, passing.Failures, passing.Errors, passing.Skipped, passing.DurationSeconds));
        Assert.True(rerun.Passed);
        var release = await registry.FindAsync("checkout", "1.2.0");
        Assert.Equal(["e2e", "unit"], release!.Checks.Select(c => c.Name).Order());
        await using var db = store.NewContext();
        Assert.Equal(3, await db.OutboxEvents.CountAsync(e => e.Type == EventTypes.ReleaseChecksReported));
        Assert.True((await AuditTrail.VerifyAsync(db)).IsIntact);
    }

    public static TheoryData<string, string> BadReports => new()
    {
        { "not xml", "this is not xml" },
        { "wrong root", "<results><testcase name=\"a\"/></results>" },
        { "unclosed", "<testsuite><testcase name=\"a\">" },
        { "xxe", "<?xml version=\"1.0\"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><testsuite><testcase name=\"&xxe;\"/></testsuite>" },
        { "billion laughs", "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><testsuite><testcase name=\"&lol3;\"/></testsuite>" },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(BadReports))]
    public async Task A_report_that_cannot_be_read_is_refused_and_keeps_the_earlier_one(string what, string xml)
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();
        await registry.RegisterAsync(Ci, Registration());
        await registry.ReportCheckAsync(Ci, "checkout", "1.2.0", "unit", Utf8(PassingJUnit));

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => registry.ReportCheckAsync(Ci, "checkout", "1.2.0", "unit", Utf8(xml)));

        Assert.False(string.IsNullOrEmpty(e.Message), what);
        Assert.DoesNotContain("root:", e.Message, StringComparison.Ordinal);
        await using var db = store.NewContext();
        var check = await db.ReleaseChecks.SingleAsync();
        Assert.True(check.Passed);
        Assert.Equal(3, check.Tests);
        Assert.Equal(1, await db.OutboxEvents.CountAsync(ev => ev.Type == EventTypes.ReleaseChecksReported));
    }

    [Fact]
    public void A_report_over_the_size_limit_is_refused_before_it_is_parsed()
    {
        var huge = new byte[JUnitReport.MaxBytes + 1];
        Assert.Throws<InvalidInputException>(() => JUnitReport.Parse(huge));
    }

    [Fact]
    public async Task Checks_for_an_unknown_release_or_with_a_bad_name_are_refused()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();
        await registry.RegisterAsync(Ci, Registration());

        await Assert.ThrowsAsync<NotFoundException>(() => registry.ReportCheckAsync(Ci, "checkout", "9.9.9", "unit", Utf8(PassingJUnit)));
        await Assert.ThrowsAsync<InvalidInputException>(() => registry.ReportCheckAsync(Ci, "checkout", "1.2.0", "Unit Tests", Utf8(PassingJUnit)));
        await Assert.ThrowsAsync<InvalidInputException>(() => registry.ReportCheckAsync(Ci, "checkout", "1.2.0", null, Utf8(PassingJUnit)));
    }

    [Fact]
    public async Task A_first_stage_that_deploys_automatically_gets_a_promotion_request_after_the_release_is_saved()
    {
        var promotions = new RecordingPromotions();
        await using var store = await CreateAsync(_clock, promotions);
        await using (var setup = store.Scope())
            await setup.ServiceProvider.GetRequiredService<ServiceCatalogue>().SavePipelineAsync(Manager, "checkout",
                [new PipelineStageRequest("dev", [], AutoDeploy: true), new PipelineStageRequest("staging", ["unit", "e2e"])]);
        await using var scope = store.Scope();
        var registry = scope.ServiceProvider.GetRequiredService<ReleaseRegistry>();

        var result = await registry.RegisterAsync(Ci, Registration());
        await registry.RegisterAsync(Ci, Registration());

        Assert.NotNull(result.AutoDeploy);
        Assert.Equal([("ci-token", "checkout", "1.2.0", "dev")], promotions.Requests);
    }

    [Fact]
    public async Task A_refused_automatic_deployment_keeps_the_release_and_is_audited()
    {
        var promotions = new RecordingPromotions { Refuse = new ConflictException("A promotion is already in flight for checkout/dev.") };
        await using var store = await CreateAsync(_clock, promotions);
        await using (var setup = store.Scope())
            await setup.ServiceProvider.GetRequiredService<ServiceCatalogue>().SavePipelineAsync(Manager, "checkout", [new PipelineStageRequest("dev", [], AutoDeploy: true)]);
        await using var scope = store.Scope();

        var result = await scope.ServiceProvider.GetRequiredService<ReleaseRegistry>().RegisterAsync(Ci, Registration());

        Assert.True(result.Created);
        Assert.Contains("in flight", result.AutoDeployError);
        await using var db = store.NewContext();
        Assert.Equal(1, await db.Releases.CountAsync());
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "release.auto-deploy.failed"));
    }

    [Fact]
    public async Task Without_a_promotion_capability_registration_still_works()
    {
        await using var store = await CreateAsync(_clock);
        await using (var setup = store.Scope())
            await setup.ServiceProvider.GetRequiredService<ServiceCatalogue>().SavePipelineAsync(Manager, "checkout", [new PipelineStageRequest("dev", [], AutoDeploy: true)]);
        await using var scope = store.Scope();
        Assert.Null(scope.ServiceProvider.GetService<IPromotionRequests>());

        var result = await scope.ServiceProvider.GetRequiredService<ReleaseRegistry>().RegisterAsync(Ci, Registration());

        Assert.True(result.Created);
        Assert.Null(result.AutoDeploy);
        Assert.Null(result.AutoDeployError);
    }
}
