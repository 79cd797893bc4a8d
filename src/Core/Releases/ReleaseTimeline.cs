using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Releases;

/// <summary>One line of a release's timeline: an event that names the release (registered, checks, promotions, deploys).</summary>
public sealed record ReleaseTimelineEntry(DateTime Time, string Type, string Subject, string Sentence, string? Actor, string? Link);

/// <summary>
/// A release's history read from the stored events, nothing copied: every event about the service
/// (subject <c>service</c> or <c>service/environment</c>) whose data names the release's version.
/// </summary>
public sealed class ReleaseTimeline(OpsDbContext db)
{
    public const int MaxEvents = 1000;

    public async Task<IReadOnlyList<ReleaseTimelineEntry>> BuildAsync(string service, string version, CancellationToken ct = default)
    {
        var prefix = service + "/";
        var needle = $"\"version\":{JsonSerializer.Serialize(version)}";
        var rows = await db.OutboxEvents.AsNoTracking()
            .Where(e => (e.Subject == service || e.Subject.StartsWith(prefix)) && e.CloudEventJson.Contains(needle))
            .OrderBy(e => e.Time).ThenBy(e => e.Position).Take(MaxEvents).ToListAsync(ct);
        var result = new List<ReleaseTimelineEntry>();
        foreach (var row in rows)
        {
            if (!Names(row.CloudEventJson, version, out var link)) continue;
            var envelope = EventEnvelope.From(row);
            result.Add(new ReleaseTimelineEntry(row.Time, row.Type, row.Subject, EventSentence.For(envelope), row.Actor, link));
        }
        return result;
    }

    /// <summary>Whether the event's data.version is the version (not a previousVersion that happens to match), and where to look further.</summary>
    private static bool Names(string json, string version, out string? link)
    {
        link = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) return false;
            if (!data.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.String || v.GetString() != version) return false;
            if (data.TryGetProperty("rolloutId", out var r) && r.ValueKind == JsonValueKind.String && Guid.TryParse(r.GetString(), out var rollout))
                link = $"/rollouts/{rollout}";
            else if (data.TryGetProperty("promotionId", out var p) && p.ValueKind == JsonValueKind.String && Guid.TryParse(p.GetString(), out var promotion))
                link = $"/promotions/{promotion}";
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
