using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpsConsole.Workload;

// The demo workload: a tiny HTTP service that reports who it is, answers a health check and
// misbehaves on purpose when its environment asks it to (FAULT_* settings).
var settings = WorkloadSettings.From(args, Environment.GetEnvironmentVariable);

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, settings.Port);
});

var app = builder.Build();
var info = new WorkloadInfo(settings.Service, settings.Version, settings.Instance);

// Plain request handling without routing or minimal-API binding: less to load and JIT per process.
app.Run(async ctx =>
{
    var path = ctx.Request.Path.Value;
    if (path == "/healthz")
    {
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
        return;
    }
    if (path is not ("/" or ""))
    {
        ctx.Response.StatusCode = StatusCodes.Status404NotFound;
        return;
    }
    if (settings.LatencyMs > 0)
        await Task.Delay(settings.LatencyMs, ctx.RequestAborted);
    ctx.Response.ContentType = "application/json";
    if (settings.ErrorRate > 0 && Random.Shared.NextDouble() < settings.ErrorRate)
    {
        ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
        await JsonSerializer.SerializeAsync(ctx.Response.Body,
            new WorkloadError(settings.Service, settings.Version, settings.Instance, "injected fault (FAULT_ERROR_RATE)"),
            WorkloadJson.Default.WorkloadError, ctx.RequestAborted);
        return;
    }
    await JsonSerializer.SerializeAsync(ctx.Response.Body, info, WorkloadJson.Default.WorkloadInfo, ctx.RequestAborted);
});

if (settings.CrashAfter is { } crashAfter)
    _ = Task.Run(async () =>
    {
        await Task.Delay(crashAfter);
        await Console.Error.WriteLineAsync($"crashing on purpose after {crashAfter.TotalSeconds:0.###} s (FAULT_CRASH_AFTER_S)");
        Environment.Exit(3);
    });

if (settings.ParentPid is { } parentPid)
    ParentWatch.ExitWhenGone(parentPid);

app.Run();

namespace OpsConsole.Workload
{
    public sealed record WorkloadInfo(string Service, string Version, string Instance);

    public sealed record WorkloadError(string Service, string Version, string Instance, string Error);

    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(WorkloadInfo))]
    [JsonSerializable(typeof(WorkloadError))]
    internal sealed partial class WorkloadJson : JsonSerializerContext;

    /// <summary>
    /// Settings from the command line (<c>--service</c>, <c>--version</c>, <c>--instance</c>, <c>--port</c>)
    /// or the environment (SERVICE_NAME, SERVICE_VERSION, INSTANCE_ID, PORT), the command line winning;
    /// faults only from the environment (FAULT_ERROR_RATE, FAULT_LATENCY_MS, FAULT_CRASH_AFTER_S).
    /// </summary>
    internal sealed record WorkloadSettings(string Service, string Version, string Instance, int Port,
        double ErrorRate, int LatencyMs, TimeSpan? CrashAfter, int? ParentPid)
    {
        public static WorkloadSettings From(string[] args, Func<string, string?> env)
        {
            string? Arg(string name)
            {
                for (var i = 0; i < args.Length - 1; i++)
                    if (args[i] == "--" + name) return args[i + 1];
                return null;
            }
            string Pick(string arg, string envName, string fallback) =>
                Arg(arg) is { Length: > 0 } a ? a : env(envName) is { Length: > 0 } e ? e : fallback;
            static double Number(string? s) =>
                double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : 0;

            var port = int.TryParse(Pick("port", "PORT", "8080"), out var p) && p is >= 0 and <= 65535 ? p : 8080;
            var crash = Number(env("FAULT_CRASH_AFTER_S"));
            return new WorkloadSettings(
                Service: Pick("service", "SERVICE_NAME", "demo"),
                Version: Pick("version", "SERVICE_VERSION", "0.0.0"),
                Instance: Pick("instance", "INSTANCE_ID", Environment.MachineName.ToLowerInvariant() + "-" + Environment.ProcessId),
                Port: port,
                ErrorRate: Math.Clamp(Number(env("FAULT_ERROR_RATE")), 0, 1),
                LatencyMs: (int)Math.Clamp(Number(env("FAULT_LATENCY_MS")), 0, 600_000),
                CrashAfter: crash > 0 ? TimeSpan.FromSeconds(crash) : null,
                ParentPid: int.TryParse(env("OPS_PARENT_PID"), out var pp) && pp > 0 ? pp : null);
        }
    }

    /// <summary>
    /// Exits when the process that started this instance is gone, so a console killed with -9
    /// leaves no instance running for long (the console also reaps orphans from pid files at start).
    /// </summary>
    internal static class ParentWatch
    {
        public static void ExitWhenGone(int parentPid)
        {
            var parentStart = StartTimeOf(parentPid);
            if (parentStart is null) Environment.Exit(4);
            var timer = new Timer(_ =>
            {
                if (StartTimeOf(parentPid) != parentStart)
                {
                    Console.Error.WriteLine($"parent process {parentPid} is gone; exiting");
                    Environment.Exit(4);
                }
            }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
            GC.KeepAlive(timer);
            Watches.Add(timer);
        }

        private static readonly List<Timer> Watches = [];

        private static DateTime? StartTimeOf(int pid)
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                return p.HasExited ? null : p.StartTime;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }
}
