namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// What the ingress saw for one revision: a ring of one-second buckets (request count, 5xx count,
/// latency bins) covering the retention period, plus totals. Written per request by the ingress,
/// read every second or so per running analysis.
/// </summary>
internal sealed class RevisionTraffic
{
    private readonly Bucket[] _ring;
    private readonly Lock _gate = new();
    private long _total, _totalErrors;

    public RevisionTraffic(ServiceEnvironment target, string revision, TimeSpan retention)
    {
        Target = target;
        Revision = revision;
        Tags = IngressTelemetry.TagsFor(target, revision);
        _ring = new Bucket[Math.Max(2, (int)Math.Ceiling(retention.TotalSeconds) + 1)];
        for (var i = 0; i < _ring.Length; i++) _ring[i] = new Bucket { Second = long.MinValue };
    }

    public ServiceEnvironment Target { get; }
    public string Revision { get; }
    public KeyValuePair<string, object?>[] Tags { get; }
    public TimeSpan Retention => TimeSpan.FromSeconds(_ring.Length - 1);

    public long TotalRequests { get { lock (_gate) return _total; } }
    public long TotalErrors { get { lock (_gate) return _totalErrors; } }

    /// <summary>Told of each request after it is recorded (the cluster's observers).</summary>
    public RequestObservers? Observers { get; set; }

    /// <summary>The most recent requests one by one, for the canary judge's statistics.</summary>
    public RequestSampleBuffer Samples { get; } = new();

    public void Record(DateTimeOffset at, int status, double latencyMs)
    {
        var second = at.ToUnixTimeSeconds();
        var bin = LatencyHistogram.BinOf(latencyMs);
        var bound = BoundBinOf(latencyMs);
        var error = status >= 500;
        var sample = new RequestSample(at, latencyMs, error);
        Samples.Add(sample);
        Observers?.Notify(Target, Revision, sample);
        lock (_gate)
        {
            var bucket = _ring[(int)(second % _ring.Length)];
            if (bucket.Second != second)
            {
                bucket.Second = second;
                bucket.Requests = 0;
                bucket.Errors = 0;
                if (bucket.Latency is not null) Array.Clear(bucket.Latency);
                if (bucket.Bounds is not null) Array.Clear(bucket.Bounds);
            }
            bucket.Latency ??= new int[LatencyHistogram.Bins];
            bucket.Bounds ??= new int[Metrics.MetricBounds.LatencyBoundsMs.Count + 1];
            bucket.Requests++;
            if (error) bucket.Errors++;
            bucket.Latency[bin]++;
            bucket.Bounds[bound]++;
            _total++;
            if (error) _totalErrors++;
        }
    }

    /// <summary>
    /// Sums the whole seconds that overlap (now - window, now]: the oldest second is counted whole,
    /// and <see cref="RevisionMetrics.From"/> says so.
    /// </summary>
    public RevisionMetrics Read(DateTimeOffset now, TimeSpan window)
    {
        if (window <= TimeSpan.Zero) window = TimeSpan.FromSeconds(1);
        if (window > Retention) window = Retention;
        var nowSecond = now.ToUnixTimeSeconds();
        var firstSecond = (now - window).ToUnixTimeSeconds();
        if (firstSecond > nowSecond) firstSecond = nowSecond;
        Span<long> merged = stackalloc long[LatencyHistogram.Bins];
        Span<long> bounds = stackalloc long[Metrics.MetricBounds.LatencyBoundsMs.Count + 1];
        long requests = 0, errors = 0;
        lock (_gate)
        {
            foreach (var bucket in _ring)
            {
                if (bucket.Second < firstSecond || bucket.Second > nowSecond || bucket.Requests == 0) continue;
                requests += bucket.Requests;
                errors += bucket.Errors;
                for (var i = 0; i < merged.Length; i++) merged[i] += bucket.Latency![i];
                for (var i = 0; i < bounds.Length; i++) bounds[i] += bucket.Bounds![i];
            }
        }
        // Slower than bound i: every request whose bound bin lies above i.
        var slower = new long[bounds.Length - 1];
        long above = 0;
        for (var i = slower.Length - 1; i >= 0; i--)
        {
            above += bounds[i + 1];
            slower[i] = above;
        }
        return new RevisionMetrics(Target, Revision, DateTimeOffset.FromUnixTimeSeconds(firstSecond), now, requests, errors,
            LatencyHistogram.Quantile(merged, requests, 0.50),
            LatencyHistogram.Quantile(merged, requests, 0.90),
            LatencyHistogram.Quantile(merged, requests, 0.99))
        { SlowerThan = slower };
    }

    /// <summary>How many of <see cref="Metrics.MetricBounds.LatencyBoundsMs"/> the latency exceeds: 0 when within the first, the count of bounds when slower than all.</summary>
    internal static int BoundBinOf(double latencyMs)
    {
        var bounds = Metrics.MetricBounds.LatencyBoundsMs;
        var k = 0;
        while (k < bounds.Count && latencyMs > bounds[k]) k++;
        return k;
    }

    private sealed class Bucket
    {
        public long Second;
        public long Requests;
        public long Errors;
        public int[]? Latency;
        /// <summary>Requests per interval between consecutive <see cref="Metrics.MetricBounds.LatencyBoundsMs"/> (exact SLO counts).</summary>
        public int[]? Bounds;
    }
}
