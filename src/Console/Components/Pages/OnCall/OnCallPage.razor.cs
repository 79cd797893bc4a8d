using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Events;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Components.Pages.OnCall;

public partial class OnCallPage
{
    [Inject] private LiveEvents Live { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;

    public sealed record Strip(ScheduleView Schedule, IReadOnlyList<OnCallSegment> Segments, DateTime From, DateTime To);

    private IReadOnlyList<OnCallNow> _now = [];
    private List<Strip> _strips = [];
    private DateTime _from;

    protected override async Task OnInitializedAsync()
    {
        Listen(() => Live.Subscribe(e =>
        {
            if (e.Type.StartsWith("page.", StringComparison.Ordinal)) Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        _from = Clock.GetUtcNow().UtcDateTime;
        var to = _from.AddDays(14);
        await using var scope = ScopeFactory.CreateAsyncScope();
        var schedules = scope.ServiceProvider.GetRequiredService<OnCallSchedules>();
        _now = await schedules.WhoIsOnCallAsync(_from);
        _strips = (await schedules.ListAsync()).Select(s => new Strip(s, ScheduleMath.Timeline(s.Layers, s.Overrides, _from, to), _from, to)).ToList();
    }

    private static readonly string[] Palette = ["#1976d2", "#388e3c", "#f57c00", "#7b1fa2", "#00838f", "#c2185b", "#5d4037", "#455a64"];

    private string SegmentStyle(OnCallSegment s)
    {
        var total = TimeSpan.FromDays(14).TotalMinutes;
        var width = Math.Max(0, ((s.End ?? _from.AddDays(14)) - s.Start).TotalMinutes / total * 100);
        var colour = s.User is null ? "transparent" : Palette[(int)((uint)StringComparer.Ordinal.GetHashCode(s.User) % Palette.Length)];
        var hatch = s.LayerIndex < 0 && s.User is not null ? "background-image:repeating-linear-gradient(45deg, rgba(255,255,255,.25) 0 6px, transparent 6px 12px);" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"width:{width:0.###}%; background-color:{colour}; {hatch} color:#fff; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; padding:0 4px; border-right:1px solid rgba(255,255,255,.4);");
    }
}
