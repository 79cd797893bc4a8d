using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Api;

public sealed record EventItem(long Position, string Id, string Type, string Subject, DateTime Time, string? Actor, JsonElement CloudEvent);

public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/events", List).WithTags("Events").WithName("ListEvents")
            .WithSummary("Recent events (CloudEvents 1.0), newest first")
            .WithDescription("Filters: type (prefix), subject (prefix), after (a position: only newer events, oldest first, for catching up after a disconnect). For live events subscribe on /hubs/events.");
        return api;
    }

    private static async Task<Ok<List<EventItem>>> List(string? type, string? subject, long? after, int? limit, OpsDbContext db, CancellationToken ct)
    {
        var q = db.OutboxEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(type)) q = q.Where(e => e.Type.StartsWith(type));
        if (!string.IsNullOrWhiteSpace(subject)) q = q.Where(e => e.Subject.StartsWith(subject));
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var rows = after is { } a
            ? await q.Where(e => e.Position > a).OrderBy(e => e.Position).Take(take).ToListAsync(ct)
            : await q.OrderByDescending(e => e.Position).Take(take).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(e => new EventItem(e.Position, e.Id, e.Type, e.Subject, e.Time, e.Actor, JsonDocument.Parse(e.CloudEventJson).RootElement.Clone())).ToList());
    }
}
