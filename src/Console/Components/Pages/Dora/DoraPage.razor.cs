using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Core.Dora;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Components.Pages.Dora;

public partial class DoraPage
{
    /// <summary>The periods offered, in days.</summary>
    public static readonly int[] Periods = [7, 28, 90, 365];

    private static readonly HashSet<string> Counted =
        [EventTypes.DeployCompleted, EventTypes.RollbackExecuted, EventTypes.IncidentOpened, EventTypes.IncidentResolved];

    [Inject] private LiveEvents Live { get; set; } = default!;
    [Inject] private DoraSettings Settings { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;

    /// <summary>A service to show alone (<c>/dora?service=checkout</c>); none for all services.</summary>
    [SupplyParameterFromQuery(Name = "service")] public string? Service { get; set; }

    /// <summary>The period in days, one of <see cref="Periods"/> (<c>/dora?days=90</c>).</summary>
    [SupplyParameterFromQuery(Name = "days")] public int? Days { get; set; }

    private DoraReport? _report;
    private IReadOnlyList<string> _services = [];
    private string _service = "";
    private int _days = 28;
    private List<ChartSeries<double>> _deploySeries = [];
    private string[] _weekLabels = [];
    private List<ChartSeries<double>> _leadSeries = [];
    private string[] _leadLabels = [];

    protected override async Task OnInitializedAsync()
    {
        _service = Service ?? "";
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
        _services = await DoraQueries.ServicesAsync(db);
        var to = Clock.GetUtcNow().UtcDateTime;
        try
        {
            _report = await DoraQueries.ReportAsync(db, Settings, _service.Length == 0 ? null : _service, to.AddDays(-_days), to);
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
        _deploySeries =
        [
            new ChartSeries<double> { Name = "Succeeded", Data = weeks.Select(w => (double)(w.Deployments - w.Failed)).ToArray() },
            new ChartSeries<double> { Name = "Failed", Data = weeks.Select(w => (double)w.Failed).ToArray() },
        ];
        var withLead = weeks.Where(w => w.LeadTimeMedianHours is not null).ToList();
        _leadLabels = withLead.Select(w => w.WeekStart.ToString("d MMM", CultureInfo.InvariantCulture)).ToArray();
        _leadSeries = [new ChartSeries<double> { Name = "Lead time, median (hours)", Data = withLead.Select(w => Math.Round(w.LeadTimeMedianHours!.Value, 1)).ToArray() }];
    }

    private async Task ServiceChangedAsync(string? value)
    {
        _service = value ?? "";
        await ReloadAsync();
    }

    private async Task PeriodChangedAsync(int value)
    {
        _days = value;
        await ReloadAsync();
    }

    public static string PeriodLabel(int days) => days switch
    {
        7 => "Last 7 days",
        28 => "Last 4 weeks",
        90 => "Last 90 days",
        _ => "Last year",
    };

    public static Color BandColor(DoraBand band) => band switch
    {
        DoraBand.Elite => Color.Success,
        DoraBand.High => Color.Info,
        DoraBand.Medium => Color.Warning,
        DoraBand.Low => Color.Error,
        _ => Color.Default,
    };

    /// <summary>Hours as a person reads them: minutes under an hour, hours under two days, else days.</summary>
    public static string Duration(double? hours) => hours switch
    {
        null => "—",
        < 1 => $"{Math.Round(hours.Value * 60):0} min",
        < 48 => $"{hours.Value.ToString("0.#", CultureInfo.InvariantCulture)} h",
        _ => $"{(hours.Value / 24).ToString("0.#", CultureInfo.InvariantCulture)} d",
    };

    public static string Rate(double? rate) => rate is null ? "—" : $"{(rate.Value * 100).ToString("0.#", CultureInfo.InvariantCulture)} %";

    public static string Frequency(DoraFigures f) => f.DeploymentsPerDay >= 1
        ? $"{f.DeploymentsPerDay.ToString("0.#", CultureInfo.InvariantCulture)} / day"
        : $"{f.DeploymentsPerWeek.ToString("0.#", CultureInfo.InvariantCulture)} / week";
}
