using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Console.Components.Pages.Overview;

public partial class Overview
{
    /// <summary>How often the ingress rates are re-read on the server: traffic changes without events, so it is the one timed read.</summary>
    [Parameter] public TimeSpan RateRefresh { get; set; } = TimeSpan.FromSeconds(3);

    private OverviewData _data = OverviewData.Empty;
    private IReadOnlyList<IngressRate> _rates = [];
    private string? _ratesError;
    private Timer? _rateTimer;
    private int _readingRates;

    protected override async Task OnInitializedAsync()
    {
        Listen(() => RolloutChanges.Subscribe(_ => Refresh()),
               () => MigrationChanges.Subscribe(_ => Refresh()),
               () => Live.Subscribe(e =>
               {
                   if (OverviewData.Concerns(e)) Refresh();
                   return Task.CompletedTask;
               }));
        await LoadAsync();
        await ReadRatesAsync();
        if (IsLive) _rateTimer = new Timer(_ => OnRateTick(), null, RateRefresh, RateRefresh);
    }

    protected override async Task LoadAsync()
    {
        var viewer = await CurrentActorAsync();
        await using var db = await DbFactory.CreateDbContextAsync();
        _data = await OverviewData.LoadAsync(db, viewer);
    }

    private async Task ReadRatesAsync()
    {
        try
        {
            _rates = await IngressRate.ReadAsync(Cluster);
            _ratesError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _ratesError = ex.Message;
        }
    }

    private void OnRateTick()
    {
        // A slow cluster answer must not pile up reads: a tick that finds one running is skipped.
        if (Interlocked.Exchange(ref _readingRates, 1) == 1) return;
        _ = InvokeAsync(async () =>
        {
            try
            {
                await ReadRatesAsync();
                StateHasChanged();
            }
            finally
            {
                Interlocked.Exchange(ref _readingRates, 0);
            }
        });
    }

    protected override void OnDispose() => _rateTimer?.Dispose();

    private static string Inv(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);
}
