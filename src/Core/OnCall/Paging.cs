using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.OnCall;

public sealed record PageView(Guid Id, string Receiver, string GroupKey, string Policy, string Title, string Subject, IReadOnlyList<string> Fingerprints, long? IncidentId,
    string Status, int Level, int Round, IReadOnlyList<string> Paged, DateTime CreatedAt, DateTime? NextEscalationAt, DateTime? AcknowledgedAt, string? AcknowledgedBy,
    DateTime? ResolvedAt);

public sealed record NotificationView(long Id, DateTime At, string Receiver, string GroupKey, Guid? PageId, string Channel, string Recipient, string Outcome, string Detail);

/// <summary>
/// Delivers alert notifications to receivers and runs pages: a firing group with an escalation policy
/// opens one page per receiver and group key (a repeated notification adds to it, it does not page
/// from the start again), pages level 1 at once and the next level after each level's delay until
/// someone acknowledges; after the last level the policy repeats as configured. A resolved group
/// resolves its page. Webhook and email targets get every firing and resolved notification.
/// </summary>
public sealed class Paging(
    OpsDbContext db, EventOutbox outbox, TimeProvider clock, IPageTimer timer, IOnCallMessenger messenger, PageAckLinks links,
    OnCallOptions options, IServiceProvider services, ILogger<Paging> log)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task NotifyAsync(AlertNotification n, CancellationToken ct = default)
    {
        var system = Actor.System($"notify-{Guid.NewGuid():N}"[..20]);
        var receiver = await db.AlertReceivers.AsNoTracking().FirstOrDefaultAsync(r => r.Name == n.Receiver, ct);
        if (receiver is null)
        {
            Record(n.Receiver, n.GroupKey, null, "receiver", n.Receiver, NotificationOutcome.Undeliverable,
                $"No receiver named '{n.Receiver}' exists; create it under On-call → Receivers. {n.Alerts.Count} alert(s) were not delivered.");
            await db.SaveChangesAsync(ct);
            return;
        }

        var firing = n.Status == AlertStatus.Firing;
        var fingerprints = n.Alerts.Select(a => a.Fingerprint).Distinct().ToList();
        long? incidentId = null;
        if (firing && receiver.OpensIncident is { } severity)
            incidentId = await OpenIncidentAsync(system, receiver, n, severity, ct);

        Page? page = null;
        var newlyPaged = new List<string>();
        if (receiver.EscalationPolicy is { } policyName)
        {
            page = await db.Pages.FirstOrDefaultAsync(p => p.Receiver == receiver.Name && p.GroupKey == n.GroupKey && p.Status != PageStatus.Resolved, ct);
            if (firing && page is null)
            {
                page = new Page
                {
                    Receiver = receiver.Name, GroupKey = n.GroupKey, Policy = policyName, Title = Title(n), Subject = Subject(n),
                    Fingerprints = fingerprints, IncidentId = incidentId, Status = PageStatus.Triggered, CreatedAt = Now, Level = 0, Round = 0,
                };
                db.Pages.Add(page);
                newlyPaged = await PageLevelAsync(system, page, escalated: false, ct);
            }
            else if (firing && page is not null)
            {
                page.Fingerprints = page.Fingerprints.Union(fingerprints).ToList();
                page.IncidentId ??= incidentId;
            }
            else if (page is not null)
            {
                page.Status = PageStatus.Resolved;
                page.ResolvedAt = Now;
                page.NextEscalationAt = null;
                page.Step++;
            }
        }
        await db.SaveChangesAsync(ct);
        if (page is { Status: PageStatus.Triggered, NextEscalationAt: { } due } && newlyPaged.Count > 0) timer.Schedule(page.Id, page.Step, due);

        // Deliveries after the page is stored, so its acknowledgement links work when they arrive.
        if (page is not null && newlyPaged.Count > 0) await DeliverPageAsync(page, receiver, newlyPaged, escalated: false, ct);
        if (receiver.WebhookUrl is { } url && (page is null || newlyPaged.Count == 0))
            await WebhookAsync(receiver, n.GroupKey, page?.Id, url, GroupMessage(n, page), ct);
        if (receiver.EmailList.Count > 0)
            await EmailAsync(receiver.Name, n.GroupKey, page?.Id, receiver.EmailList, $"[{(firing ? "FIRING" : "RESOLVED")}:{n.Alerts.Count}] {Title(n)}", GroupText(n, page, null), ct);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Runs a page's timer: pages the next level (or the first again on a repeat) unless the page moved on since the timer was set.</summary>
    public async Task<bool> EscalateAsync(Guid pageId, int step, CancellationToken ct = default)
    {
        var page = await db.Pages.FirstOrDefaultAsync(p => p.Id == pageId, ct);
        if (page is null || page.Status != PageStatus.Triggered || page.Step != step) return false;
        var policy = await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == page.Policy, ct);
        var levels = policy?.Levels ?? [];
        if (page.Level + 1 < levels.Count) page.Level++;
        else if (policy is not null && page.Round < policy.RepeatCount && levels.Count > 0)
        {
            page.Round++;
            page.Level = 0;
        }
        else
        {
            page.NextEscalationAt = null;
            page.Step++;
            Record(page.Receiver, page.GroupKey, page.Id, "page", page.Policy, NotificationOutcome.Skipped,
                "Every level was paged and the policy's repeats are used up; the page stays open until acknowledged.");
            await db.SaveChangesAsync(ct);
            return false;
        }
        var system = Actor.System($"escalate-{page.Id:N}"[..24]);
        var paged = await PageLevelAsync(system, page, escalated: true, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return false; // acknowledged or resolved meanwhile
        }
        if (page.NextEscalationAt is { } due) timer.Schedule(page.Id, page.Step, due);
        var receiver = await db.AlertReceivers.AsNoTracking().FirstOrDefaultAsync(r => r.Name == page.Receiver, ct);
        await DeliverPageAsync(page, receiver, paged, escalated: true, ct);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<PageView> AcknowledgeAsync(Actor actor, Guid pageId, CancellationToken ct = default)
    {
        actor.Require("acknowledge pages", Roles.OnCall, Roles.Admin);
        var page = await db.Pages.FirstOrDefaultAsync(p => p.Id == pageId, ct) ?? throw new NotFoundException($"Page {pageId}");
        if (page.Status == PageStatus.Resolved) throw new ConflictException("The page is resolved already; there is nothing to acknowledge.");
        if (page.Status == PageStatus.Acknowledged) return View(page);
        page.Status = PageStatus.Acknowledged;
        page.AcknowledgedAt = Now;
        page.AcknowledgedBy = actor.Name;
        page.NextEscalationAt = null;
        page.Step++;
        AuditTrail.Record(db, actor, "oncall.page.ack", $"page/{page.Id}", after: new { page.Receiver, page.GroupKey, level = page.Level + 1 });
        outbox.Add(db, actor, EventTypes.PageAcknowledged, page.Subject, Data(page, actor.Name));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConflictException("The page changed meanwhile (escalated or resolved); reload and try again.");
        }
        return View(page);
    }

    /// <summary>Acknowledges through a signed link, as the person it was sent to (who must still be an enabled OnCall or Admin user).</summary>
    public async Task<PageView> AcknowledgeByLinkAsync(string? token, string correlationId, CancellationToken ct = default)
    {
        var (pageId, user) = links.Read(token) ?? throw new AccessDeniedException("acknowledge with this link (it was changed or has expired)", [Roles.OnCall, Roles.Admin]);
        return await AcknowledgeAsync(await ActorForAsync(user, correlationId, ct), pageId, ct);
    }

    /// <summary>What a signed link would acknowledge, for the confirmation page; null when the link is not valid.</summary>
    public async Task<(PageView Page, string User)?> PeekLinkAsync(string? token, CancellationToken ct = default)
    {
        if (links.Read(token) is not { } read) return null;
        var page = await db.Pages.AsNoTracking().FirstOrDefaultAsync(p => p.Id == read.PageId, ct);
        return page is null ? null : (View(page), read.User);
    }

    public async Task<IReadOnlyList<PageView>> ListAsync(bool openOnly, int take = 100, CancellationToken ct = default)
    {
        var q = db.Pages.AsNoTracking();
        if (openOnly) q = q.Where(p => p.Status != PageStatus.Resolved);
        return (await q.OrderByDescending(p => p.CreatedAt).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct)).Select(View).ToList();
    }

    public async Task<PageView> GetAsync(Guid id, CancellationToken ct = default) =>
        View(await db.Pages.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundException($"Page {id}"));

    public async Task<IReadOnlyList<NotificationView>> NotificationsAsync(Guid? pageId = null, int take = 100, CancellationToken ct = default)
    {
        var q = db.OnCallNotifications.AsNoTracking();
        if (pageId is { } id) q = q.Where(n => n.PageId == id);
        var rows = await q.OrderByDescending(n => n.Id).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        return rows.Select(n => new NotificationView(n.Id, n.At, n.Receiver, n.GroupKey, n.PageId, n.Channel, n.Recipient, n.Outcome.ToString(), n.Detail)).ToList();
    }

    private async Task<Actor> ActorForAsync(string user, string correlationId, CancellationToken ct)
    {
        var account = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == user, ct);
        if (account is null || account.IsDisabled()) throw new AccessDeniedException("acknowledge pages (the linked account is gone or disabled)", [Roles.OnCall, Roles.Admin]);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == account.Id select r.Name!).ToListAsync(ct);
        return new Actor(user, roles.ToHashSet(), correlationId);
    }

    /// <summary>Pages everyone at the page's current level: events now, deliveries after saving. Returns who was paged.</summary>
    private async Task<List<string>> PageLevelAsync(Actor system, Page page, bool escalated, CancellationToken ct)
    {
        var policy = await db.EscalationPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == page.Policy, ct);
        var levels = policy?.Levels ?? [];
        if (levels.Count == 0)
        {
            Record(page.Receiver, page.GroupKey, page.Id, "page", page.Policy, NotificationOutcome.Undeliverable, $"Escalation policy '{page.Policy}' does not exist or has no levels.");
            page.NextEscalationAt = null;
            return [];
        }
        var level = levels[Math.Min(page.Level, levels.Count - 1)];
        var people = new List<string>();
        foreach (var target in level.Targets)
        {
            if (target.Kind == EscalationTargetKind.User) people.Add(target.Name);
            else
            {
                var schedule = await db.OnCallSchedules.AsNoTracking().FirstOrDefaultAsync(s => s.Name == target.Name, ct);
                var who = schedule is null ? null : ScheduleMath.At(schedule.Layers, schedule.Overrides, Now).User;
                if (who is null)
                    Record(page.Receiver, page.GroupKey, page.Id, "page", $"schedule {target.Name}", NotificationOutcome.Skipped,
                        schedule is null ? $"Schedule '{target.Name}' does not exist." : $"Nobody is on call in '{target.Name}' now.");
                else people.Add(who);
            }
        }
        people = people.Distinct(StringComparer.Ordinal).ToList();
        page.Paged = string.Join(' ', people);
        page.NextEscalationAt = Now.AddMinutes(level.DelayMinutes);
        page.Step++;
        foreach (var person in people)
            outbox.Add(db, system, escalated ? EventTypes.PageEscalated : EventTypes.PageSent, page.Subject, Data(page, person));
        return people;
    }

    private async Task DeliverPageAsync(Page page, AlertReceiver? receiver, List<string> people, bool escalated, CancellationToken ct)
    {
        var emails = await db.Users.AsNoTracking().Where(u => people.Contains(u.UserName!)).Select(u => new { u.UserName, u.Email }).ToListAsync(ct);
        var verb = escalated ? "Escalated" : "Paging";
        foreach (var person in people)
        {
            var link = links.CreateUrl(page.Id, person);
            var email = emails.FirstOrDefault(e => e.UserName == person)?.Email;
            var text = new StringBuilder()
                .AppendLine($"{verb}: {person} (level {page.Level + 1}{(page.Round > 0 ? $", repeat {page.Round}" : "")}) for {page.Title}")
                .AppendLine($"Receiver: {page.Receiver}; alerts: {string.Join(", ", page.Fingerprints)}")
                .AppendLine($"Acknowledge: {link}")
                .AppendLine($"Open pages: {options.PublicUrl.TrimEnd('/')}/oncall/pages")
                .ToString();
            if (email is null)
                Record(page.Receiver, page.GroupKey, page.Id, "email", person, NotificationOutcome.Skipped, $"{person} has no email address in the user directory.");
            else
                await EmailAsync(page.Receiver, page.GroupKey, page.Id, [email], $"[PAGE] {page.Title}", text, ct);
        }
        if (receiver?.WebhookUrl is { } url && people.Count > 0)
        {
            var summary = $"{verb} {string.Join(", ", people)} (level {page.Level + 1}) for *{Slack(page.Title)}*";
            var buttons = people.Select(p => (object)new
            {
                type = "button",
                text = new { type = "plain_text", text = $"Acknowledge as {p}" },
                url = links.CreateUrl(page.Id, p),
            }).ToList();
            var blocks = new List<object>
            {
                new { type = "section", text = new { type = "mrkdwn", text = summary } },
                new { type = "context", elements = new object[] { new { type = "mrkdwn", text = $"Receiver {Slack(page.Receiver)} · {page.Fingerprints.Count} alert(s)" } } },
                new { type = "actions", elements = buttons },
            };
            await WebhookAsync(receiver, page.GroupKey, page.Id, url, new SlackMessage(summary, blocks), ct);
        }
    }

    private async Task<long?> OpenIncidentAsync(Actor system, AlertReceiver receiver, AlertNotification n, IncidentSeverity severity, CancellationToken ct)
    {
        var intake = services.GetService<IIncidentIntake>();
        if (intake is null)
        {
            Record(receiver.Name, n.GroupKey, null, "incident", ReceiverRegistry.SeverityText(severity)!, NotificationOutcome.Skipped, "Incidents are not available in this console.");
            return null;
        }
        long? id = null;
        foreach (var alert in n.Alerts.Where(a => a.Status == AlertStatus.Firing))
        {
            try
            {
                id ??= await intake.OpenFromAlertAsync(system, alert, severity, ct);
                if (id is not null) break;
            }
            catch (DomainException e)
            {
                Record(receiver.Name, n.GroupKey, null, "incident", ReceiverRegistry.SeverityText(severity)!, NotificationOutcome.Failed, e.Message);
            }
        }
        if (id is { } opened)
            Record(receiver.Name, n.GroupKey, null, "incident", ReceiverRegistry.SeverityText(severity)!, NotificationOutcome.Sent, $"Incident {opened}");
        return id;
    }

    private async Task WebhookAsync(AlertReceiver receiver, string groupKey, Guid? pageId, string url, SlackMessage message, CancellationToken ct)
    {
        var result = await messenger.PostWebhookAsync(url, message, ct);
        Record(receiver.Name, groupKey, pageId, "webhook", SafeUrl.SchemeAndHost(url), result.Ok ? NotificationOutcome.Sent : NotificationOutcome.Failed,
            SafeUrl.Scrub(result.Detail, url));
    }

    private async Task EmailAsync(string receiver, string groupKey, Guid? pageId, IReadOnlyList<string> to, string subject, string body, CancellationToken ct)
    {
        if (!options.Smtp.Enabled)
        {
            Record(receiver, groupKey, pageId, "email", string.Join(", ", to), NotificationOutcome.Skipped, "No mail server is set (OPS_SMTP_HOST).");
            return;
        }
        var result = await messenger.SendEmailAsync(to, subject, body, ct);
        Record(receiver, groupKey, pageId, "email", string.Join(", ", to), result.Ok ? NotificationOutcome.Sent : NotificationOutcome.Failed, result.Detail);
    }

    private void Record(string receiver, string groupKey, Guid? pageId, string channel, string recipient, NotificationOutcome outcome, string detail)
    {
        if (outcome is NotificationOutcome.Failed or NotificationOutcome.Undeliverable)
            log.LogWarning("On-call {Channel} notification for receiver {Receiver} to {Recipient}: {Outcome} {Detail}", channel, receiver, recipient, outcome, detail);
        db.OnCallNotifications.Add(new NotificationRecord
        {
            At = Now, Receiver = Cut(receiver, 200), GroupKey = Cut(groupKey, 1000), PageId = pageId, Channel = channel, Recipient = Cut(recipient, 500), Outcome = outcome,
            Detail = Cut(detail, 2000),
        });
    }

    private SlackMessage GroupMessage(AlertNotification n, Page? page)
    {
        var head = $"[{(n.Status == AlertStatus.Firing ? "FIRING" : "RESOLVED")}:{n.Alerts.Count}] {Slack(Title(n))}";
        var lines = n.Alerts.Take(10).Select(a => $"• {Slack(a.Name)} ({a.Status.ToString().ToLowerInvariant()}){(a.Annotations.TryGetValue("summary", out var s) ? ": " + Slack(s) : "")}");
        var text = head + "\n" + string.Join("\n", lines);
        return new SlackMessage(text, [new { type = "section", text = new { type = "mrkdwn", text } }, new { type = "context", elements = new object[] { new { type = "mrkdwn", text = page is null ? $"Receiver {Slack(n.Receiver)}" : $"Page {page.Id} · {page.Status}" } } }]);
    }

    private string GroupText(AlertNotification n, Page? page, string? link)
    {
        var sb = new StringBuilder().AppendLine($"{n.Status} notification for receiver {n.Receiver}");
        foreach (var (k, v) in n.GroupLabels) sb.AppendLine($"  {k}={v}");
        foreach (var a in n.Alerts.Take(20))
        {
            sb.AppendLine($"- {a.Name} [{a.Status}] since {a.StartsAt:u}");
            if (a.Annotations.TryGetValue("summary", out var s)) sb.AppendLine($"  {s}");
        }
        if (page is not null) sb.AppendLine($"Page: {options.PublicUrl.TrimEnd('/')}/oncall/pages ({page.Status})");
        if (link is not null) sb.AppendLine(link);
        return sb.ToString();
    }

    private static string Title(AlertNotification n)
    {
        var names = n.Alerts.Select(a => a.Name).Distinct().ToList();
        var title = names.Count switch { 0 => n.GroupKey, 1 => names[0], _ => $"{names[0]} and {names.Count - 1} more" };
        var where = n.Alerts.Select(a => a.Service).FirstOrDefault(s => s is not null);
        return Cut(where is null ? title : $"{title} ({where})", 300);
    }

    private static string Subject(AlertNotification n)
    {
        var first = n.Alerts.FirstOrDefault(a => a.Service is not null && a.Environment is not null);
        return first is null ? "oncall" : $"{first.Service}/{first.Environment}";
    }

    private static object Data(Page page, string person) => new
    {
        pageId = page.Id,
        incidentId = page.IncidentId,
        fingerprint = page.Fingerprints.Count > 0 ? page.Fingerprints[0] : null,
        fingerprints = page.Fingerprints,
        person,
        level = page.Level + 1,
        round = page.Round,
        receiver = page.Receiver,
        groupKey = page.GroupKey,
        title = page.Title,
    };

    /// <summary>Slack's mrkdwn treats &amp;, &lt; and &gt; as control characters: alert text is escaped so it cannot form links or mentions.</summary>
    private static string Slack(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];

    public static PageView View(Page p) => new(p.Id, p.Receiver, p.GroupKey, p.Policy, p.Title, p.Subject, p.Fingerprints, p.IncidentId, p.Status.ToString(), p.Level + 1, p.Round,
        p.Paged.Split(' ', StringSplitOptions.RemoveEmptyEntries), p.CreatedAt, p.NextEscalationAt, p.AcknowledgedAt, p.AcknowledgedBy, p.ResolvedAt);
}
