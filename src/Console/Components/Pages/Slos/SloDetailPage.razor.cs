using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Slo;

namespace OpsConsole.Console.Components.Pages.Slos;

public partial class SloDetailPage
{
    [Parameter] public long Id { get; set; }

    [Inject] private SloUpdates Updates { get; set; } = default!;
    [Inject] private LiveEvents Live { get; set; } = default!;

    private SloStatus? _status;
    private IReadOnlyList<StoredAlert> _alerts = [];
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];

    protected override async Task OnInitializedAsync()
    {
        Listen(
            () => Updates.Subscribe(id => { if (id == 0 || id == Id) Refresh(); }),
            () => Live.Subscribe(e =>
            {
                if (e.Type is EventTypes.AlertFiring or EventTypes.AlertResolved) Refresh();
                return Task.CompletedTask;
            }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var catalog = sp.GetRequiredService<SloCatalog>();
        var meter = sp.GetRequiredService<SloMeter>();
        try
        {
            var slo = await catalog.GetAsync(Id);
            _status = await meter.StatusAsync(slo);
            _alerts = await catalog.FiringAlertsAsync(Id);
            var points = await meter.BurnDownAsync(slo);
            // A label every tenth point keeps the axis readable.
            _labels = points.Select((p, i) => i % 10 == 0 ? p.At.ToString(slo.WindowDays > 2 ? "MM-dd" : "HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "").ToArray();
            _series = [new ChartSeries<double> { Name = "Budget left (%)", Data = points.Select(p => Math.Round(p.BudgetRemaining * 100, 2)).ToArray() }];
        }
        catch (NotFoundException e)
        {
            _status = null;
            ActionError = e.Message;
        }
    }
}
