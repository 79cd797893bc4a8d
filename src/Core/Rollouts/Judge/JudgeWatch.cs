using System.Collections.Concurrent;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;

namespace OpsConsole.Core.Rollouts.Judge;

/// <summary>
/// Follows the canary of each running judged analysis request by request, as the ingress forwards
/// them, and asks the reconciler for a pass the moment an errors test crosses its abort boundary.
/// Without it the judge decides only when it next looks (a reconciler pass): a canary failing half
/// its requests would keep failing them for up to one more pass. The pass then judges again from
/// the stored samples, so the watch only decides <em>when</em> to look, never the verdict.
/// </summary>
public sealed class JudgeWatch(RolloutUpdates updates, TimeProvider clock)
{
    /// <summary>A followed run that no pass has looked at for this long is dropped (its rollout ended or moved to another replica).</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<Guid, Followed> _runs = new();

    /// <summary>How many passes the watch asked for (a crossing each); for tests and the benchmark.</summary>
    public long Wakes => Interlocked.Read(ref _wakes);
    private long _wakes;

    /// <summary>
    /// Follows (or keeps following) the canary of <paramref name="runId"/> with the errors metrics of
    /// <paramref name="spec"/>. A new follower counts the canary's requests since <paramref name="since"/>
    /// and takes the baseline's error ratio from its samples; a <paramref name="verdict"/> (after a look)
    /// brings the baseline's ratio up to date.
    /// </summary>
    public void Follow(Guid runId, IRevisionSamples cluster, ServiceEnvironment target, string canary, string baseline, DateTimeOffset since, JudgeSpec spec, JudgeVerdict? verdict)
    {
        var errorMetrics = spec.Metrics.Where(m => m.Quantity == JudgedQuantity.Errors).ToArray();
        if (errorMetrics.Length == 0) return;
        var now = clock.GetUtcNow().UtcDateTime;
        if (!_runs.TryGetValue(runId, out var followed))
        {
            // Read, then subscribe: a request ending in between is missed (the watch then wakes one request late), never counted twice.
            var canarySamples = cluster.SamplesSince(target, canary, since);
            var baselineSamples = cluster.SamplesSince(target, baseline, since);
            var ratio = baselineSamples.Count == 0 ? 0 : baselineSamples.Count(s => s.Error) / (double)baselineSamples.Count;
            var created = new Followed(canarySamples.Count, canarySamples.Count(s => s.Error))
            {
                Tests = [.. errorMetrics.Select(m => (m, ratio))], Alpha = spec.Alpha, LookedAt = now,
            };
            // Already past the boundary by the requests before it was followed: the pass that follows it looks now.
            created.Crossed = created.PastAbortBoundary();
            if (!_runs.TryAdd(runId, created)) return;
            created.Subscription = cluster.ObserveRequests(target, canary, sample => OnRequest(created, sample));
            foreach (var (id, f) in _runs)
                if (now - f.LookedAt > Stale) Unfollow(id);
            return;
        }
        lock (followed)
        {
            followed.LookedAt = now;
            if (verdict is null) return;
            followed.Tests = [.. errorMetrics.Select(m =>
            {
                var v = verdict.Metrics.FirstOrDefault(x => x.Name == m.Name);
                return (m, v is { BaselineSamples: > 0 } ? (v.BaselineErrors ?? 0) / (double)v.BaselineSamples : 0);
            })];
        }
    }

    /// <summary>
    /// Whether an errors test crossed its abort boundary since this was last asked; asked by the pass
    /// before it reads the samples, so a crossing after that read wakes the next pass.
    /// </summary>
    public bool TakeCrossed(Guid runId)
    {
        if (!_runs.TryGetValue(runId, out var f)) return false;
        lock (f)
        {
            var crossed = f.Crossed;
            f.Crossed = false;
            return crossed;
        }
    }

    public void Unfollow(Guid runId)
    {
        if (_runs.TryRemove(runId, out var f)) f.Subscription?.Dispose();
    }

    public int Following => _runs.Count;

    private void OnRequest(Followed f, RequestSample sample)
    {
        bool crossed;
        lock (f)
        {
            f.Requests++;
            // Only an error can raise the evidence that the canary is worse.
            if (!sample.Error) return;
            f.Errors++;
            crossed = !f.Crossed && f.PastAbortBoundary();
            if (crossed) f.Crossed = true;
        }
        if (!crossed) return;
        Interlocked.Increment(ref _wakes);
        updates.Wake();
    }

    private sealed class Followed(long requests, long errors)
    {
        public long Requests = requests;
        public long Errors = errors;
        public (JudgedMetric Metric, double BaselineRatio)[] Tests = [];
        public double Alpha;
        public DateTime LookedAt;
        public bool Crossed;
        public IDisposable? Subscription { get; set; }

        /// <summary>Whether any errors test is past its abort boundary on the requests counted so far.</summary>
        public bool PastAbortBoundary() =>
            Tests.Any(t => ErrorReading.Of(t.Metric, Alpha, t.BaselineRatio, Requests, Errors).Decision == SequentialDecision.Worse);
    }
}
