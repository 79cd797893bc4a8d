using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Events.Webhooks;

/// <summary>
/// Makes one delivery attempt: signs the body, POSTs it, logs the attempt and schedules the retry.
/// The named HttpClient is registered behind the egress policy (no private addresses, no redirects);
/// a redirect answer counts as a failed attempt. The attempt log names the receiver by scheme and host only.
/// </summary>
public sealed class WebhookSender(
    IDbContextFactory<OpsDbContext> dbFactory,
    IHttpClientFactory httpFactory,
    WebhookSecrets secrets,
    IWebhookQueue queue,
    TimeProvider clock,
    ILogger<WebhookSender> logger)
{
    public const string HttpClientName = "webhooks";
    public WebhookRetryPolicy Policy { get; init; } = WebhookRetryPolicy.Default;

    /// <summary>
    /// How long an attempt holds its delivery: the webhook client's 10 s timeout plus recording the attempt,
    /// with room to spare. A replica that dies mid-attempt releases the delivery when the hold runs out.
    /// </summary>
    public static readonly TimeSpan AttemptHold = TimeSpan.FromSeconds(30);

    // Replicas' clocks differ a little: a retry scheduled by one replica is due on another a moment early.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    public async Task<DeliveryStatus> AttemptAsync(Guid deliveryId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Two jobs can be owed one delivery (a dead replica's job fetched again, the overdue sweep): the one
        // that moves the due time into the future sends it, any other finds it not yet due and leaves it.
        var claimedAt = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.WebhookDeliveries
            .Where(d => d.Id == deliveryId && d.Status == DeliveryStatus.Pending && (d.NextAttemptAt == null || d.NextAttemptAt <= claimedAt + ClockSkew))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.NextAttemptAt, claimedAt + AttemptHold), ct);
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId, ct);
        if (claimed == 0 || delivery is null) return delivery?.Status ?? DeliveryStatus.GaveUp;
        var hook = await db.Webhooks.FirstOrDefaultAsync(w => w.Id == delivery.WebhookId, ct);
        if (hook is null)
        {
            delivery.Status = DeliveryStatus.GaveUp;
            delivery.LastError = "The webhook was deleted.";
            await db.SaveChangesAsync(ct);
            return delivery.Status;
        }

        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var attempt = new WebhookAttempt { DeliveryId = delivery.Id, Number = delivery.Attempts + 1, At = clock.GetUtcNow().UtcDateTime };
        var watch = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secrets.Unprotect(hook.ProtectedSecret), body));
            request.Headers.Add(WebhookSignature.EventIdHeader, delivery.EventId);
            request.Headers.Add(WebhookSignature.DeliveryIdHeader, delivery.Id.ToString());
            using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, ct);
            attempt.StatusCode = (int)response.StatusCode;
            if ((int)response.StatusCode is >= 300 and < 400)
                attempt.Error = $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}: redirects are not followed; configure the final URL.";
            else if (!response.IsSuccessStatusCode) attempt.Error = $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            attempt.Error = ex is TaskCanceledException ? "The receiver did not answer in time." : SafeUrl.Scrub(EgressPolicy.Describe(ex), hook.Url);
        }
        catch (Exception ex) when (ex is InvalidOperationException or UriFormatException)
        {
            attempt.Error = "The webhook URL cannot be requested.";
        }
        attempt.DurationMs = watch.Elapsed.TotalMilliseconds;

        var now = clock.GetUtcNow().UtcDateTime;
        delivery.Attempts = attempt.Number;
        delivery.LastStatusCode = attempt.StatusCode;
        delivery.LastError = attempt.Error;
        db.WebhookAttempts.Add(attempt);
        if (attempt.Error is null)
        {
            delivery.Status = DeliveryStatus.Delivered;
            delivery.DeliveredAt = now;
            delivery.NextAttemptAt = null;
        }
        else if (Policy.NextAttempt(delivery.CreatedAt, delivery.Attempts, now, Random.Shared.NextDouble()) is { } next)
        {
            delivery.NextAttemptAt = next;
        }
        else
        {
            delivery.Status = DeliveryStatus.GaveUp;
            delivery.NextAttemptAt = null;
            logger.LogWarning("Webhook {Webhook} gave up on event {EventId} after {Attempts} attempts; the delivery is kept for redelivery",
                hook.Name, delivery.EventId, delivery.Attempts);
        }
        await db.SaveChangesAsync(ct);
        if (delivery is { Status: DeliveryStatus.Pending, NextAttemptAt: { } at }) queue.DeliverAt(delivery.Id, at);
        return delivery.Status;
    }

    /// <summary>
    /// Re-queues deliveries whose attempt is overdue by more than <paramref name="grace"/>: a job lost to a crash
    /// between saving the delivery and queueing it, or an attempt whose replica died (its hold ran out).
    /// </summary>
    public async Task<int> RequeueOverdueAsync(TimeSpan grace, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cutoff = clock.GetUtcNow().UtcDateTime - grace;
        var overdue = await db.WebhookDeliveries
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt != null && d.NextAttemptAt < cutoff)
            .Select(d => d.Id).ToListAsync(ct);
        foreach (var id in overdue) queue.DeliverNow(id);
        return overdue.Count;
    }
}
