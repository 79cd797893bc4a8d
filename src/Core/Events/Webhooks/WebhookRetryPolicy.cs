namespace OpsConsole.Core.Events.Webhooks;

/// <summary>
/// Exponential backoff (30 s doubling, capped at 1 h, with jitter) for a day; after that the delivery
/// is kept as GaveUp, visible in the delivery log and redeliverable by hand.
/// </summary>
public sealed record WebhookRetryPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan GiveUpAfter)
{
    public static readonly WebhookRetryPolicy Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), TimeSpan.FromDays(1));

    /// <summary>When to try again after <paramref name="failedAttempts"/> failures, or null to give up.</summary>
    public DateTime? NextAttempt(DateTime createdAt, int failedAttempts, DateTime now, double jitter01 = 0.5)
    {
        if (now - createdAt >= GiveUpAfter) return null;
        var exponent = Math.Min(failedAttempts - 1, 30);
        var delay = TimeSpan.FromTicks((long)Math.Min(FirstDelay.Ticks * Math.Pow(2, exponent), MaxDelay.Ticks));
        // +-20% jitter so a receiver coming back is not hit by every retry at once.
        delay = TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + 0.4 * Math.Clamp(jitter01, 0, 1))));
        var next = now + delay;
        var deadline = createdAt + GiveUpAfter;
        return next > deadline ? deadline : next;
    }
}
