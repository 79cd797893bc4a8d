using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Incidents;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.OnCall;

public sealed record ReceiverInput(string? Name, string? EscalationPolicy, string? WebhookUrl, IReadOnlyList<string>? Emails, string? OpensIncident);

/// <summary>A receiver as everyone sees it: the webhook by scheme and host only (its path often is the credential); <see cref="WebhookUrl"/> is filled for Admins.</summary>
public sealed record ReceiverView(Guid Id, string Name, string? EscalationPolicy, string? Webhook, string? WebhookUrl, IReadOnlyList<string> Emails,
    string? OpensIncident, DateTime UpdatedAt, string UpdatedBy);

/// <summary>The receivers that route trees name. Admins edit them.</summary>
public sealed class ReceiverRegistry(OpsDbContext db, TimeProvider clock, EgressPolicy? egress = null)
{
    public async Task<IReadOnlyList<ReceiverView>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        var admin = actor.IsInRole(Roles.Admin);
        return (await db.AlertReceivers.AsNoTracking().OrderBy(r => r.Name).ToListAsync(ct)).Select(r => View(r, admin)).ToList();
    }

    public async Task<ReceiverView> SaveAsync(Actor actor, Guid? id, ReceiverInput input, CancellationToken ct = default)
    {
        actor.Require("edit alert receivers", Roles.Admin);
        var receiver = id is { } existing
            ? await db.AlertReceivers.FirstOrDefaultAsync(r => r.Id == existing, ct) ?? throw new NotFoundException($"Receiver {existing}")
            : new AlertReceiver();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is < 1 or > 100) throw new InvalidInputException("name", "Give the receiver the name the route tree uses (1 to 100 characters).");
        var policy = string.IsNullOrWhiteSpace(input.EscalationPolicy) ? null : input.EscalationPolicy.Trim();
        if (policy is not null && !await db.EscalationPolicies.AnyAsync(p => p.Name == policy, ct))
            throw new InvalidInputException("escalationPolicy", $"There is no escalation policy named '{policy}'.");
        string? url = null;
        if (!string.IsNullOrWhiteSpace(input.WebhookUrl))
        {
            if (!Uri.TryCreate(input.WebhookUrl.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new InvalidInputException("webhookUrl", "The webhook URL must be an absolute http:// or https:// address.");
            if (uri.OriginalString.Length > 2048) throw new InvalidInputException("webhookUrl", "A webhook URL is at most 2048 characters.");
            if (!string.IsNullOrEmpty(uri.UserInfo)) throw new InvalidInputException("webhookUrl", "A webhook URL may not carry a user name or password.");
            (egress ?? new EgressPolicy()).CheckUrl(uri, "webhookUrl");
            url = uri.ToString();
        }
        var emails = (input.Emails ?? []).Select(e => e?.Trim() ?? "").Where(e => e.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (emails.Count > 20) throw new InvalidInputException("emails", "At most 20 addresses.");
        foreach (var e in emails)
            if (e.Length > 254 || e.Contains(' ') || !MailAddress.TryCreate(e, out var parsed) || parsed.Address != e)
                throw new InvalidInputException("emails", $"'{e}' is not an email address.");
        var severity = ParseSeverity(input.OpensIncident);
        if (policy is null && url is null && emails.Count == 0 && severity is null)
            throw new InvalidInputException("escalationPolicy", "A receiver needs at least one target: an escalation policy, a webhook, email addresses or an incident.");
        if (await db.AlertReceivers.AnyAsync(r => r.Name == name && r.Id != receiver.Id, ct))
            throw new ConflictException($"A receiver named '{name}' exists already.");

        var before = id is null ? null : Summary(receiver);
        receiver.Name = name;
        receiver.EscalationPolicy = policy;
        receiver.WebhookUrl = url;
        receiver.Emails = string.Join(' ', emails);
        receiver.OpensIncident = severity;
        receiver.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        receiver.UpdatedBy = actor.Name;
        if (id is null) db.AlertReceivers.Add(receiver);
        AuditTrail.Record(db, actor, id is null ? "oncall.receiver.create" : "oncall.receiver.update", $"receiver/{name}", before, Summary(receiver));
        await db.SaveChangesAsync(ct);
        return View(receiver, admin: true);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        actor.Require("delete alert receivers", Roles.Admin);
        var receiver = await db.AlertReceivers.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException($"Receiver {id}");
        db.AlertReceivers.Remove(receiver);
        AuditTrail.Record(db, actor, "oncall.receiver.delete", $"receiver/{receiver.Name}", before: Summary(receiver));
        await db.SaveChangesAsync(ct);
    }

    public static IncidentSeverity? ParseSeverity(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim().ToUpperInvariant();
        return t switch
        {
            "SEV1" or "1" => IncidentSeverity.Sev1,
            "SEV2" or "2" => IncidentSeverity.Sev2,
            "SEV3" or "3" => IncidentSeverity.Sev3,
            "SEV4" or "4" => IncidentSeverity.Sev4,
            _ => throw new InvalidInputException("opensIncident", "The incident severity is SEV1, SEV2, SEV3 or SEV4 (or empty for none)."),
        };
    }

    public static string? SeverityText(IncidentSeverity? s) => s is { } v ? $"SEV{(int)v}" : null;

    private static object Summary(AlertReceiver r) =>
        new { r.Name, r.EscalationPolicy, webhook = r.WebhookUrl is null ? null : SafeUrl.SchemeAndHost(r.WebhookUrl), emails = r.EmailList, opensIncident = SeverityText(r.OpensIncident) };

    public static ReceiverView View(AlertReceiver r, bool admin) => new(r.Id, r.Name, r.EscalationPolicy,
        r.WebhookUrl is null ? null : SafeUrl.SchemeAndHost(r.WebhookUrl), admin ? r.WebhookUrl : null, r.EmailList, SeverityText(r.OpensIncident), r.UpdatedAt, r.UpdatedBy);
}
