using Markdig;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Runbooks;
using static OpsConsole.Core.Tests.Incidents.IncidentTestKit;

namespace OpsConsole.Core.Tests.Incidents;

public sealed class IncidentPostmortemTests
{
    [Fact]
    public async Task The_draft_has_summary_impact_what_changed_timeline_runbooks_and_action_items_with_utc_times()
    {
        await using var kit = await CreateAsync();
        kit.Runbooks.Rules.Add(("alertname", "HighErrorRate", new RunbookReference("high-error-rate", "High error rate")));
        var opened = kit.Now;
        var rollout = Guid.NewGuid();
        await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/prod",
            new { rolloutId = rollout, service = "checkout", environment = "prod", version = "1.2.0", stableVersion = "1.0.0", trigger = "automatic", reason = "error rate 0.5" },
            opened.AddMinutes(-15));
        var id = await kit.DeskAsync(d => d.OpenFromAlertAsync(Olga, Alert(), IncidentSeverity.Sev1, default));
        kit.Clock.Advance(TimeSpan.FromMinutes(4));
        await kit.DeskAsync(d => d.AcknowledgeAsync(Olga, id));
        kit.Clock.Advance(TimeSpan.FromMinutes(20));
        await kit.DeskAsync(d => d.ResolveAsync(Olga, id));

        var incident = await kit.LoadAsync(id);
        var md = IncidentPostmortem.Draft(incident, await kit.TimelineAsync(id), kit.Now);

        Assert.StartsWith("# Postmortem (draft): HighErrorRate: 5xx above 5%", md);
        Assert.Contains("## Summary", md);
        Assert.Contains("Opened from an alert on 2026-11-28 12:00:00 UTC by olga.", md);
        Assert.Contains("- Acknowledged: 2026-11-28 12:04:00 UTC by olga (4 min after opening)", md);
        Assert.Contains("- Mitigated: not yet", md);
        Assert.Contains("- Resolved: 2026-11-28 12:24:00 UTC by olga (24 min after opening)", md);
        Assert.Contains("- Severity: SEV1", md);
        Assert.Contains("- Services: checkout/prod", md);
        Assert.Contains("- Duration: 24 min from opening to resolution", md);
        Assert.Contains("## What changed in the 2 hours before", md);
        Assert.Contains($"| 2026-11-28 11:45:00 | rollback checkout/prod 1.2.0 rolled back to 1.0.0 automatically: error rate 0.5 | [rollout](/rollouts/{rollout}) |", md);
        Assert.Contains("## Timeline", md);
        Assert.Contains("| 2026-11-28 12:04:00 | incident | Acknowledged by olga |", md);
        Assert.Contains("## Runbooks used", md);
        Assert.Contains("- [High error rate](/runbooks/high-error-rate)", md);
        Assert.Contains("## Action items", md);
        Assert.True(md.IndexOf("## What changed", StringComparison.Ordinal) < md.IndexOf("## Timeline", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_changes_the_draft_says_so()
    {
        await using var kit = await CreateAsync();
        var i = await kit.OpenAsync();
        var md = IncidentPostmortem.Draft(await kit.LoadAsync(i.Id), await kit.TimelineAsync(i.Id), kit.Now);
        Assert.Contains("No deploy, rollback or migration of the affected services in that window.", md);
        Assert.Contains("- Duration: still open", md);
        Assert.Contains("No runbook was attached.", md);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("a | b\n| --- |\n# heading")]
    public async Task Typed_text_stays_text_in_the_rendered_draft(string hostile)
    {
        await using var kit = await CreateAsync();
        var i = await kit.OpenAsync("Title " + hostile.Replace("\n", " ", StringComparison.Ordinal));
        await kit.DeskAsync(d => d.AddNoteAsync(Olga, i.Id, hostile));
        var md = IncidentPostmortem.Draft(await kit.LoadAsync(i.Id), await kit.TimelineAsync(i.Id), kit.Now);

        var html = Markdown.ToHtml(md, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<h1 id=\"heading\"", html, StringComparison.OrdinalIgnoreCase);
        // Every timeline row keeps its four cells.
        var table = md[md.IndexOf("## Timeline", StringComparison.Ordinal)..md.IndexOf("## Runbooks", StringComparison.Ordinal)];
        Assert.All(table.Split('\n').Where(l => l.StartsWith('|')), l => Assert.Equal(5, l.Replace("\\|", "", StringComparison.Ordinal).Count(c => c == '|')));
    }
}

/// <summary>The sink that opens an incident when a rollout rolls back in prod, fed as the relay feeds it.</summary>
public sealed class ProdRollbackIncidentsTests
{
    private static async Task RelayAsync(IncidentTestKit kit, IncidentSettings settings)
    {
        var sink = new ProdRollbackIncidents(settings, kit.Store.Services.GetRequiredService<EventOutbox>(), kit.Clock, NullLogger<ProdRollbackIncidents>.Instance);
        var relay = new OutboxRelay(kit.Store.Services.GetRequiredService<IDbContextFactory<OpsConsole.Core.Persistence.OpsDbContext>>(), [sink],
            NullLogger<OutboxRelay>.Instance);
        await relay.RelayPendingAsync(default);
    }

    private static object Rollback(string env) => new
    {
        rolloutId = Guid.NewGuid(), service = "checkout", environment = env, version = "1.2.0", stableVersion = "1.0.0", reason = "error rate 0.5", trigger = "automatic",
    };

    [Fact]
    public async Task A_rollback_in_prod_opens_one_incident_even_when_relayed_twice_and_in_staging_none()
    {
        await using var kit = await CreateAsync();
        var prod = await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/prod", Rollback("prod"), kit.Now.AddSeconds(-1));
        await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/staging", Rollback("staging"), kit.Now.AddSeconds(-1));
        await RelayAsync(kit, IncidentSettings.Default);

        var incident = await kit.WithDbAsync(db => db.Incidents.Include(i => i.Services).Include(i => i.Log).SingleAsync());
        Assert.Equal(prod.Id, incident.OriginEventId);
        Assert.Equal("rollback", incident.Origin);
        Assert.Equal("checkout/prod: 1.2.0 was rolled back to 1.0.0", incident.Title);
        Assert.Equal(IncidentSeverity.Sev2, incident.Severity);
        Assert.Equal(["checkout/prod"], incident.ServiceNames);
        Assert.Contains("error rate 0.5", Assert.Single(incident.Log).Text);
        Assert.Equal(1, await kit.WithDbAsync(db => db.OutboxEvents.CountAsync(e => e.Type == EventTypes.IncidentOpened)));
        // The rollback is "what changed" on the incident it opened.
        Assert.Equal(prod.Id, Assert.Single(IncidentTimeline.WhatChanged(await kit.TimelineAsync(incident.Id))).EventId);

        // Delivered again (at-least-once): still one incident.
        await kit.WithDbAsync(db => db.OutboxEvents.Where(e => e.Id == prod.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.RelayedAt, (DateTime?)null)));
        await RelayAsync(kit, IncidentSettings.Default);
        Assert.Equal(1, await kit.CountAsync<Incident>());
    }

    [Fact]
    public async Task Switched_off_or_outside_the_prod_environments_nothing_opens()
    {
        await using var kit = await CreateAsync();
        await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/prod", Rollback("prod"), kit.Now);
        await RelayAsync(kit, IncidentSettings.From("false", null));
        Assert.Equal(0, await kit.CountAsync<Incident>());

        await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/live", Rollback("live"), kit.Now);
        await kit.EventAsync(EventTypes.RollbackExecuted, "checkout/prod", Rollback("prod"), kit.Now);
        await RelayAsync(kit, IncidentSettings.From("true", "live, production"));
        Assert.Equal(["checkout/live"], await kit.WithDbAsync(db => db.Set<AffectedService>().Select(s => s.Service + "/" + s.Environment).ToListAsync()));
    }

    [Fact]
    public void The_setting_is_on_unless_switched_off()
    {
        Assert.True(IncidentSettings.From(null, null).OpenOnProdRollback);
        Assert.True(IncidentSettings.From("true", "").OpenOnProdRollback);
        Assert.Equal(["prod"], IncidentSettings.From(null, null).ProdEnvironments);
        foreach (var off in new[] { "false", "0", "no", "OFF" }) Assert.False(IncidentSettings.From(off, null).OpenOnProdRollback);
    }
}
