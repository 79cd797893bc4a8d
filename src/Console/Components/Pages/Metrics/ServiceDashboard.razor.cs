using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Charts;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Events;
using OpsConsole.Core.Metrics;

namespace OpsConsole.Console.Components.Pages.Metrics;

/// <summary>
/// A service/environment's ingress over time (requests/s, error ratio, p50/p90/p99 per revision)
/// with rollouts, rollbacks, migrations and incidents marked on the time axis; pushed live after
/// every stored sampler tick and every marked event.
/// </summary>
public partial class ServiceDashboard
{
    /// <summary>A range the picker offers and the step it is shown at (about 300 points each).</summary>
    public sealed record DashboardRange(string Name, TimeSpan Span, TimeSpan Step);

    public static readonly IReadOnlyList<DashboardRange> Ranges =
    [
        new("1h", TimeSpan.FromHours(1), TimeSpan.FromSeconds(10)),
        new("6h", TimeSpan.FromHours(6), TimeSpan.FromMinutes(1)),
        new("1d", TimeSpan.FromDays(1), TimeSpan.FromMinutes(5)),
        new("7d", TimeSpan.FromDays(7), TimeSpan.FromMinutes(30)),
        new("30d", TimeSpan.FromDays(30), TimeSpan.FromHours(2)),
    ];

    [Parameter] public string Service { get; set; } = "";
    [Parameter] public string Environment { get; set; } = "";

    /// <summary>The range to open with (<c>?range=6h</c>); the last hour when absent.</summary>
    [SupplyParameterFromQuery(Name = "range")] public string? RangeName { get; set; }

    [Inject] private MetricUpdates Updates { get; set; } = default!;
    [Inject] private LiveEvents Live { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;

    private DashboardRange _range = Ranges[0];
    private MetricDashboard? _dashboard;
    private List<ChartSeries<double>> _requests = [], _errors = [], _latency = [];
    private long _totalRequests;
    private double? _errorRatio;

    protected override async Task OnInitializedAsync()
    {
        _range = Ranges.FirstOrDefault(r => r.Name == RangeName) ?? Ranges[0];
        var subject = $"{Service}/{Environment}";
        Listen(
            () => Updates.Subscribe(tick =>
            {
                if (tick.Targets.Any(t => t.Service == Service && t.Environment == Environment)) Refresh();
            }),
            () => Live.Subscribe(e =>
            {
                if (e.Subject == subject && MetricMarkers.KindByType.ContainsKey(e.Type)) Refresh();
                return Task.CompletedTask;
            }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        var now = Clock.GetUtcNow();
        try
        {
            await using var scope = ScopeFactory.CreateAsyncScope();
            var dashboards = scope.ServiceProvider.GetRequiredService<MetricDashboards>();
            _dashboard = await dashboards.ReadAsync(Service, Environment, new MetricRange(now - _range.Span, now, _range.Step));
            ActionError = null;
        }
        catch (Core.Domain.InvalidInputException e)
        {
            _dashboard = null;
            ActionError = e.Message;
            return;
        }
        var d = _dashboard;
        _totalRequests = d.Overall.Sum(p => p.Requests);
        var errors = d.Overall.Sum(p => p.Errors5xx);
        _errorRatio = _totalRequests == 0 ? null : (double)errors / _totalRequests;

        _requests = [Series("all revisions", d.Overall, p => p.RequestsPerSecond), .. d.Revisions.Select(r => Series(r.Revision, r.Points, p => p.RequestsPerSecond))];
        _errors = [.. d.Revisions.Select(r => Series(r.Revision, r.Points, p => p.ErrorRatio * 100))];
        _latency = [.. d.Revisions.SelectMany(r => new[]
        {
            Series($"{r.Revision} p50", r.Points, p => p.LatencyP50Ms),
            Series($"{r.Revision} p90", r.Points, p => p.LatencyP90Ms),
            Series($"{r.Revision} p99", r.Points, p => p.LatencyP99Ms),
        })];
    }

    private async Task RangeChangedAsync(DashboardRange range)
    {
        _range = range;
        await ReloadAsync();
    }

    /// <summary>A chart series of the points that have a value (a step without requests has no ratio or latency: it is left out, not drawn as zero).</summary>
    private static ChartSeries<double> Series(string name, IEnumerable<MetricSeriesPoint> points, Func<MetricSeriesPoint, double?> value) => new()
    {
        Name = name,
        Data = points.Where(p => value(p) is not null).Select(p => new TimeValue<double>(p.At.UtcDateTime, Math.Round(value(p)!.Value, 3))).ToList(),
    };

    /// <summary>Where on the strip a moment sits, as a CSS percentage of the range.</summary>
    public static string Position(MetricDashboard d, DateTimeOffset at)
    {
        var share = (at - d.From).TotalSeconds / Math.Max(1, (d.To - d.From).TotalSeconds);
        return (Math.Clamp(share, 0, 1) * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";
    }

    public static string MarkerColour(string kind) => kind switch
    {
        "deploy" => "var(--mud-palette-info)",
        "rollback" => "var(--mud-palette-error)",
        "migration" => "var(--mud-palette-secondary)",
        "incident" => "var(--mud-palette-warning)",
        _ => "var(--mud-palette-text-secondary)",
    };

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    public static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %" : "—";

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) + " ms" : "—";
}
