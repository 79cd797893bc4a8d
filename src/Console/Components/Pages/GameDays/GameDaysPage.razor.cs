using OpsConsole.Console.Api;
using OpsConsole.Core.GameDays;

namespace OpsConsole.Console.Components.Pages.GameDays;

public partial class GameDaysPage
{
    private static readonly string[] DayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    private List<GameDaySummary> _rows = [];
    private bool _canPlan;
    private DateOnly _month;

    protected override async Task OnInitializedAsync()
    {
        var today = DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
        _month = new DateOnly(today.Year, today.Month, 1);
        _canPlan = (await CurrentActorAsync()).IsInAnyRole(GameDayRules.RunRoles);
        Listen(() => Updates.Subscribe(_ => Refresh()));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var desk = scope.ServiceProvider.GetRequiredService<GameDayDesk>();
        _rows = (await desk.ListAsync()).Select(GameDaySummary.From).ToList();
    }

    private IEnumerable<DateOnly[]> Weeks()
    {
        var first = _month.AddDays(-(((int)_month.DayOfWeek + 6) % 7));
        for (var start = first; start < _month.AddMonths(1); start = start.AddDays(7))
            yield return Enumerable.Range(0, 7).Select(start.AddDays).ToArray();
    }
}
