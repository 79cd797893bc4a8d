namespace OpsConsole.Core.Releases;

/// <summary>Whether deployments to a service's environment are frozen at a moment, and by which window.</summary>
/// <param name="Frozen">True while at least one window covers the moment.</param>
/// <param name="Window">The covering window's name (e.g. "Weekend freeze"), null when not frozen.</param>
/// <param name="Until">When the covering window ends (UTC), null when not frozen.</param>
/// <param name="NextStart">When the next window starts (UTC) if not frozen now, null when none is planned.</param>
public sealed record FreezeState(bool Frozen, string? Window, DateTime? Until, DateTime? NextStart)
{
    public static readonly FreezeState Open = new(false, null, null, null);
}

/// <summary>
/// Freeze windows, recurring (RFC 5545 RRULE in a time zone) or one-off, for an environment, a
/// service or both. The promotion gate asks it; break-glass overrides are the promotion's business.
/// </summary>
public interface IFreezeCalendar
{
    Task<FreezeState> StateAsync(string service, string environment, DateTime utc, CancellationToken ct = default);
}
