using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Forwarder;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// The ingress of one service in one environment: a small Kestrel server of its own on a loopback
/// port, inside the console's process, that forwards each request with YARP's forwarder to an
/// instance of the revision picked by header route or, failing that, by weighted random choice, and
/// records what happened per revision (meters and the in-memory window the analysis reads).
/// </summary>
internal sealed class LocalIngress : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<RouteTable> _routes;
    private readonly HttpMessageInvoker _invoker;
    private readonly IHttpForwarder _forwarder;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly TimeProvider _time;

    private LocalIngress(WebApplication app, Func<RouteTable> routes, HttpMessageInvoker invoker, TimeSpan requestTimeout, TimeProvider time)
    {
        _app = app;
        _routes = routes;
        _invoker = invoker;
        _time = time;
        _forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = requestTimeout };
        app.Run(HandleAsync);
    }

    public ServiceEnvironment Target { get; private init; }

    /// <summary>Faults injected on purpose (game days); read on every request, replaced (never changed) by the adapter.</summary>
    public IngressFaults Faults { get => _faults; set => _faults = value; }
    private volatile IngressFaults _faults = IngressFaults.None;
    public Uri Endpoint { get; private set; } = null!;
    public int Port => Endpoint.Port;

    /// <summary>Starts an ingress on <paramref name="preferredPort"/> when it is free, else on any free port.</summary>
    public static async Task<LocalIngress> StartAsync(ServiceEnvironment target, int? preferredPort, Func<RouteTable> routes,
        HttpMessageInvoker invoker, TimeSpan requestTimeout, TimeProvider time, CancellationToken ct)
    {
        if (preferredPort is > 0)
        {
            try { return await StartOnAsync(target, preferredPort.Value, routes, invoker, requestTimeout, time, ct); }
            catch (IOException) { /* taken by someone else now: take any port */ }
        }
        return await StartOnAsync(target, 0, routes, invoker, requestTimeout, time, ct);
    }

    private static async Task<LocalIngress> StartOnAsync(ServiceEnvironment target, int port, Func<RouteTable> routes,
        HttpMessageInvoker invoker, TimeSpan requestTimeout, TimeProvider time, CancellationToken ct)
    {
        // An empty builder: no configuration sources (the console's ASPNETCORE_URLS and appsettings do
        // not leak in), no logging providers, no routing; just Kestrel and the forwarder.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "OpsConsole.Ingress" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var ingress = new LocalIngress(app, routes, invoker, requestTimeout, time) { Target = target };
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ingress.Endpoint = new Uri(new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).GetLeftPart(UriPartial.Authority) + "/");
        return ingress;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var table = _routes();
        var target = MatchHeader(table, ctx.Request.Headers) ?? table.PickByWeight(Random.Shared.Next(100));
        if (target is null)
        {
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await ctx.Response.WriteAsync($"No traffic weights are set for {Target}.", ctx.RequestAborted);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var faults = _faults;
        if (!ReferenceEquals(faults, IngressFaults.None))
        {
            if (faults.LatencyMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), ctx.RequestAborted);
            if (faults.DropShare > 0 && Random.Shared.NextDouble() < faults.DropShare)
            {
                // Dropped: the caller sees the connection close without an answer; the ingress counts it as a failure.
                ctx.Abort();
                Record(target, StatusCodes.Status502BadGateway, Stopwatch.GetElapsedTime(started));
                return;
            }
            if (faults.ErrorShare > 0 && Random.Shared.NextDouble() < faults.ErrorShare)
            {
                ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                ctx.Response.Headers["X-Injected-Fault"] = "error-rate";
                await ctx.Response.WriteAsync("Injected fault: error rate.", ctx.RequestAborted);
                Record(target, ctx.Response.StatusCode, Stopwatch.GetElapsedTime(started));
                return;
            }
        }
        var endpoint = target.NextEndpoint();
        if (endpoint is null)
        {
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await ctx.Response.WriteAsync($"Revision {target.Revision} of {Target} has no healthy instance.", ctx.RequestAborted);
        }
        else
        {
            await _forwarder.SendAsync(ctx, endpoint.OriginalString, _invoker, _requestConfig, HttpTransformer.Default);
        }
        Record(target, ctx.Response.StatusCode, Stopwatch.GetElapsedTime(started));
    }

    private void Record(RouteTarget target, int status, TimeSpan elapsed)
    {
        target.Traffic.Record(_time.GetUtcNow(), status, elapsed.TotalMilliseconds);
        ReadOnlySpan<KeyValuePair<string, object?>> tags = target.Traffic.Tags;
        IngressTelemetry.Requests.Add(1, tags);
        if (status >= 500) IngressTelemetry.ServerErrors.Add(1, tags);
        IngressTelemetry.Duration.Record(elapsed.TotalSeconds, tags);
    }

    private static RouteTarget? MatchHeader(RouteTable table, IHeaderDictionary headers)
    {
        foreach (var (route, target) in table.HeaderRoutes)
        {
            if (!headers.TryGetValue(route.Header, out var values)) continue;
            foreach (var value in values)
                if (string.Equals(value?.Trim(), route.Value, StringComparison.OrdinalIgnoreCase))
                    return target;
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or ObjectDisposedException) { }
        await _app.DisposeAsync();
    }
}
