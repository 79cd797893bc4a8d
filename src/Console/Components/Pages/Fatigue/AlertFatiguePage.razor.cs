using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Core.Events;
using OpsConsole.Core.Fatigue;

namespace OpsConsole.Console.Components.Pages.Fatigue;

public partial class AlertFatiguePage
{
    /// <summary>The periods offered, in days.</summary>
    public static readonly int[] Periods = [7, 14, 28, 90];

    private static readonly HashSet<string> Counted = [EventTypes.PageSent, EventTypes.PageAcknowledged];

    [Inject] private LiveEvents Live { get; set; } = default!;
    [Inject] private FatigueSettings Settings { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;

    /// <summary>One schedule to assess (<c>/alert-fatigue?schedule=Primary</c>); none for all.</summary>
    [SupplyParameterFromQuery(Name = "schedule")] public string? Schedule { get; set; }

    /// <summary>The period in days, one of <see cref="Periods"/>.</summary>
    [SupplyParameterFromQuery(Name = "days")] public int? Days { get; set; }

    private FatigueReport? _report;
    private IReadOnlyList<string> _schedules = [];
    private string _schedule = "";
    private int _days = 28;
    private string[] _weekLabels = [];
    private List<ChartSeries<double>> _pageSeries = [];
    private List<ChartSeries<double>> _shareSeries = [];
    private string[] _ruleLabels = [];
    private List<ChartSeries<double>> _ruleSeries = [];

    protected override async Task OnInitializedAsync()
    {
        _schedule = Schedule ?? "";
        _days = Days is { } d && Periods.Contains(d) ? d : 28;
        Listen(() => Live.Subscribe(e =>
        {
            if (Counted.Contains(e.Type)) Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        _schedules = await FatigueQueries.SchedulesAsync(db);
        var to = Clock.GetUtcNow().UtcDateTime;
        try
        {
            _report = await FatigueQueries.ReportAsync(db, Settings, _schedule.Length == 0 ? null : _schedule, to.AddDays(-_days), to);
            ActionError = null;
        }
        catch (Core.Domain.InvalidInputException e)
        {
            _report = null;
            ActionError = e.Message;
            return;
        }
        var weeks = _report.Weeks;
        _weekLabels = weeks.Select(w => w.WeekStart.ToString("d MMM", CultureInfo.InvariantCulture)).ToArray();
        _pageSeries =
        [
            new ChartSeries<double> { Name = "In working hours", Data = weeks.Select(w => (double)(w.Pages - w.OutOfHoursPages)).ToArray() },
            new ChartSeries<double> { Name = "Outside working hours", Data = weeks.Select(w => (double)w.OutOfHoursPages).ToArray() },
        ];
        _shareSeries = [new ChartSeries<double> { Name = "Outside hours (%)", Data = weeks.Select(w => w.Pages == 0 ? 0 : Math.Round(100.0 * w.OutOfHoursPages / w.Pages, 1)).ToArray() }];
        var top = _report.Rules.Take(8).ToList();
        _ruleLabels = top.Select(x => x.Rule.Length > 24 ? x.Rule[..24] + "…" : x.Rule).ToArray();
        _ruleSeries = [new ChartSeries<double> { Name = "Firings", Data = top.Select(x => (double)x.Firings).ToArray() }];
    }

    private async Task ScheduleChangedAsync(string? value)
    {
        _schedule = value ?? "";
        await ReloadAsync();
    }

    private async Task PeriodChangedAsync(int value)
    {
        _days = value;
        await ReloadAsync();
    }

    /// <summary>The API's export of the period shown, for the download buttons.</summary>
    private string ExportUrl(string format)
    {
        var url = $"/api/v1/alert-fatigue?format={format}";
        if (_report is { } r)
            url += $"&from={Uri.EscapeDataString(r.From.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(r.To.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}";
        if (_schedule.Length > 0) url += $"&schedule={Uri.EscapeDataString(_schedule)}";
        return url;
    }

    public static string PeriodLabel(int days) => days switch
    {
        7 => "Last 7 days",
        14 => "Last 2 weeks",
        28 => "Last 4 weeks",
        _ => "Last 90 days",
    };

    public static Color ScoreColor(int score) => score switch
    {
        >= 90 => Color.Success,
        >= 70 => Color.Info,
        >= 40 => Color.Warning,
        _ => Color.Error,
    };

    public static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Pct(double? share) => share is { } s ? $"{(s * 100).ToString("0.#", CultureInfo.InvariantCulture)} %" : "—";

    public static string Minutes(double? m) => m is { } v ? $"{v.ToString("0.#", CultureInfo.InvariantCulture)} min" : "—";
}
