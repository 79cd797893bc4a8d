using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Metrics;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Slo;

/// <summary>The burn rate over one window: how many times faster than sustainable the budget is spent, and the bad-event ratio it comes from (null: no traffic).</summary>
public sealed record SloWindowBurn(string Window, TimeSpan Span, double? ErrorRatio, double? BurnRate);

/// <summary>One point of an SLO's burn-down: the share of the window's budget left after the events up to <see cref="At"/>.</summary>
public sealed record SloBudgetPoint(DateTimeOffset At, double BudgetRemaining);

/// <summary>
/// An SLO now: the share of its error budget left over the rolling window (1 untouched, 0 spent,
/// negative overspent; 1 without traffic), the events it counted and the burn rate per window.
/// </summary>
public sealed record SloStatus(ServiceLevelObjective Slo, DateTimeOffset At, double BudgetRemaining, long Requests, long BadEvents, IReadOnlyList<SloWindowBurn> BurnRates)
{
    public double? BurnRate(TimeSpan window) => BurnRates.FirstOrDefault(b => b.Span == window)?.BurnRate;
}

/// <summary>The error budget of a service/environment's SLOs, as the promotion gate asks for it.</summary>
public interface IErrorBudgets
{
    Task<IReadOnlyList<SloStatus>> StatusAsync(ServiceEnvironment target, CancellationToken ct = default);
}

/// <summary>
/// Measures SLOs on the kept ingress history: bad events are 5xx answers (availability) or answers
/// slower than the threshold (latency); the budget is (1 − objective) of the window's events.
/// </summary>
public sealed class SloMeter(OpsDbContext db, IMetricHistory history, TimeProvider clock) : ISloBurn, IErrorBudgets
{
    /// <summary>The windows a status reports burn rates over: those of the workbook's rules.</summary>
    public static readonly IReadOnlyList<TimeSpan> Windows =
        [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(3)];

    public const int BurnDownPoints = 60;

    /// <summary>"5m", "1h", "3d", "30d".</summary>
    public static string Label(TimeSpan window) =>
        window.TotalDays >= 1 && window.TotalDays % 1 == 0 ? $"{window.TotalDays.ToString(CultureInfo.InvariantCulture)}d"
        : window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours.ToString(CultureInfo.InvariantCulture)}h"
        : $"{window.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m";

    /// <summary>Bad events and all events over [from, to) for the SLO's kind.</summary>
    public async Task<(long Bad, long Total)> CountAsync(ServiceLevelObjective slo, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var totals = await history.TotalsAsync(slo.Target, from, to, slo.Kind == SloKind.Latency ? slo.LatencyMs : null, ct);
        var bad = slo.Kind == SloKind.Latency ? totals.SlowerThanThreshold : totals.Errors5xx;
        return (Math.Clamp(bad, 0, totals.Requests), totals.Requests);
    }

    /// <summary>The burn rate over the window ending now; null without traffic.</summary>
    public async Task<SloWindowBurn> BurnAsync(ServiceLevelObjective slo, TimeSpan window, DateTimeOffset now, CancellationToken ct = default)
    {
        var (bad, total) = await CountAsync(slo, now - window, now, ct);
        if (total == 0) return new SloWindowBurn(Label(window), window, null, null);
        var ratio = (double)bad / total;
        return new SloWindowBurn(Label(window), window, ratio, ErrorBudget.BurnRate(slo.Objective, ratio));
    }

    public async Task<SloStatus> StatusAsync(ServiceLevelObjective slo, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var (bad, total) = await CountAsync(slo, now - slo.Window, now, ct);
        var burns = new List<SloWindowBurn>(Windows.Count);
        foreach (var w in Windows) burns.Add(await BurnAsync(slo, w, now, ct));
        return new SloStatus(slo, now, ErrorBudget.Remaining(slo.Objective, bad, total), total, bad, burns);
    }

    public async Task<IReadOnlyList<SloStatus>> StatusAsync(ServiceEnvironment target, CancellationToken ct = default)
    {
        var result = new List<SloStatus>();
        foreach (var slo in await SlosOfAsync(target, ct)) result.Add(await StatusAsync(slo, ct));
        return result;
    }

    public async Task<IReadOnlyList<SloBurnNow>> CurrentAsync(ServiceEnvironment target, TimeSpan window, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var result = new List<SloBurnNow>();
        foreach (var slo in await SlosOfAsync(target, ct))
        {
            var burn = await BurnAsync(slo, window, now, ct);
            result.Add(new SloBurnNow(slo.Id, slo.Kind.ToString().ToLowerInvariant(), slo.Objective, window, burn.BurnRate));
        }
        return result;
    }

    /// <summary>
    /// The budget left over the rolling window as it stood at <see cref="BurnDownPoints"/> moments
    /// from the window's start to now: the events from the window's start up to each moment against
    /// the budget of those events.
    /// </summary>
    public async Task<IReadOnlyList<SloBudgetPoint>> BurnDownAsync(ServiceLevelObjective slo, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var start = now - slo.Window;
        var step = slo.Window / BurnDownPoints;
        var points = new List<SloBudgetPoint>(BurnDownPoints + 1) { new(start, 1) };
        long bad = 0, total = 0;
        if (slo.Kind == SloKind.Availability)
        {
            // One read of the series; each step's requests and 5xx answers add up.
            var series = await history.RangeAsync(slo.Target, start, now, step, ct);
            for (var i = 1; i <= BurnDownPoints; i++)
            {
                var until = start + step * i;
                var upTo = series.Where(p => p.At < until && p.At >= until - step).ToList();
                total += upTo.Sum(p => p.Requests);
                bad += upTo.Sum(p => Math.Min(p.Errors5xx, p.Requests));
                points.Add(new SloBudgetPoint(until, ErrorBudget.Remaining(slo.Objective, bad, total)));
            }
            return points;
        }
        for (var i = 1; i <= BurnDownPoints; i++)
        {
            var from = start + step * (i - 1);
            var (b, t) = await CountAsync(slo, from, from + step, ct);
            bad += b;
            total += t;
            points.Add(new SloBudgetPoint(from + step, ErrorBudget.Remaining(slo.Objective, bad, total)));
        }
        return points;
    }

    private async Task<List<ServiceLevelObjective>> SlosOfAsync(ServiceEnvironment target, CancellationToken ct) =>
        await db.Slos.AsNoTracking().Where(s => s.Service == target.Service && s.Environment == target.Environment).OrderBy(s => s.Id).ToListAsync(ct);
}
