using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// Demo traffic: one timer-driven loop for all services that, every tick, sends each service's
/// share of requests (rate x elapsed time, fractions carried over) to its ingress endpoint, without
/// waiting for answers; at most <see cref="MaxInFlight"/> requests per service are outstanding.
/// Works against any <see cref="IClusterAdapter"/> that reports an endpoint.
/// </summary>
public sealed class TrafficGenerator : ITrafficGenerator, IAsyncDisposable, IDisposable
{
    public const int MaxInFlight = 64;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan EndpointRefresh = TimeSpan.FromSeconds(2);

    private readonly IClusterAdapter _cluster;
    private readonly ILogger _log;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<ServiceEnvironment, Flow> _flows = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _loopGate = new();
    private Task? _loop;

    public TrafficGenerator(IClusterAdapter cluster, ILogger<TrafficGenerator>? logger = null, HttpMessageHandler? handler = null)
    {
        _cluster = cluster;
        _log = (ILogger?)logger ?? NullLogger.Instance;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = MaxInFlight,
            ActivityHeadersPropagator = null,
        })
        { Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("OpsConsole-TrafficGenerator/1.0");
    }

    public void SetLoad(ServiceEnvironment target, TrafficLoad load)
    {
        ArgumentNullException.ThrowIfNull(load);
        load = load.Validated();
        if (load.RequestsPerSecond == 0 && load.PreviewRequestsPerSecond == 0)
        {
            Stop(target);
            return;
        }
        _flows.AddOrUpdate(target, t => new Flow(t, load), (_, flow) => { flow.Load = load; return flow; });
        EnsureLoop();
    }

    public void Stop(ServiceEnvironment target) => _flows.TryRemove(target, out _);

    public IReadOnlyList<TrafficGeneratorStatus> Status() =>
        _flows.Values.OrderBy(f => f.Target.ToString(), StringComparer.Ordinal)
            .Select(f => new TrafficGeneratorStatus(f.Target, f.Load, Interlocked.Read(ref f.Sent), Interlocked.Read(ref f.Failed), f.LastError))
            .ToList();

    private void EnsureLoop()
    {
        lock (_loopGate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_loop is null || _loop.IsCompleted) _loop = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Tick);
        var last = TimeProvider.System.GetTimestamp();
        try
        {
            while (!_flows.IsEmpty && await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = TimeProvider.System.GetTimestamp();
                // A stalled loop (a paused debugger, a busy machine) does not turn into a burst.
                var elapsed = Math.Min(TimeProvider.System.GetElapsedTime(last, now).TotalSeconds, 1.0);
                last = now;
                foreach (var flow in _flows.Values)
                {
                    try { await PumpAsync(flow, elapsed); }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        flow.LastError = e.Message;
                        flow.EndpointCheckedAt = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { _log.LogError(e, "Traffic generator stopped"); }
    }

    private async Task PumpAsync(Flow flow, double elapsedSeconds)
    {
        var load = flow.Load;
        flow.PlainCredit += load.RequestsPerSecond * elapsedSeconds;
        flow.PreviewCredit += load.PreviewRequestsPerSecond * elapsedSeconds;
        var plain = (int)flow.PlainCredit;
        var preview = (int)flow.PreviewCredit;
        flow.PlainCredit -= plain;
        flow.PreviewCredit -= preview;
        if (plain == 0 && preview == 0) return;

        if (flow.EndpointCheckedAt is not { } checkedAt || TimeProvider.System.GetElapsedTime(checkedAt) > EndpointRefresh)
        {
            var state = await _cluster.GetServiceAsync(flow.Target, _stopping.Token);
            flow.Endpoint = state?.Endpoint;
            flow.PreviewRoute = state?.Routing.HeaderRoutes is [var first, ..] ? first : null;
            flow.EndpointCheckedAt = TimeProvider.System.GetTimestamp();
        }
        if (flow.Endpoint is not { } endpoint)
        {
            flow.LastError = $"{flow.Target} has no endpoint (nothing deployed)";
            return;
        }
        for (var i = 0; i < plain; i++) Send(flow, endpoint, null);
        if (flow.PreviewRoute is { } route)
            for (var i = 0; i < preview; i++) Send(flow, endpoint, route);
    }

    private void Send(Flow flow, Uri endpoint, HeaderRoute? route)
    {
        if (Interlocked.Increment(ref flow.InFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref flow.InFlight);
            return;
        }
        _ = SendAsync(flow, endpoint, route);
    }

    private async Task SendAsync(Flow flow, Uri endpoint, HeaderRoute? route)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
            if (route is not null) request.Headers.TryAddWithoutValidation(route.Header, route.Value);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, _stopping.Token);
            Interlocked.Increment(ref flow.Sent);
            if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref flow.Failed);
                flow.LastError = $"answered {(int)response.StatusCode}";
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            if (_stopping.IsCancellationRequested) return;
            Interlocked.Increment(ref flow.Sent);
            Interlocked.Increment(ref flow.Failed);
            flow.LastError = e.Message;
        }
        finally
        {
            Interlocked.Decrement(ref flow.InFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_loopGate)
        {
            if (_stopping.IsCancellationRequested) return;
            _stopping.Cancel();
            loop = _loop;
        }
        _flows.Clear();
        if (loop is not null) await loop;
        _http.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class Flow(ServiceEnvironment target, TrafficLoad load)
    {
        public ServiceEnvironment Target { get; } = target;
        public volatile TrafficLoad Load = load;
        public double PlainCredit;
        public double PreviewCredit;
        public long Sent;
        public long Failed;
        public int InFlight;
        public volatile string? LastError;
        public long? EndpointCheckedAt;
        public Uri? Endpoint;
        public HeaderRoute? PreviewRoute;
    }
}
