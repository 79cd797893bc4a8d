using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Components.Pages.Releases;

public partial class FreezeCalendarPage
{
    [Inject] private TimeProvider Clock { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    private IReadOnlyList<FreezeWindow> _windows = [];
    private IReadOnlyList<FreezeOccurrence> _upcoming = [];
    private bool _mayEdit;
    private bool _creating;
    private FreezeForm _form = new();

    private sealed class FreezeForm
    {
        public string? Name { get; set; } = "Weekend freeze";
        public string? Service { get; set; }
        public string? Environment { get; set; } = "prod";
        public string? RRule { get; set; } = "FREQ=WEEKLY;BYDAY=FR";
        public string? Start { get; set; } = "2026-01-02T16:00";
        public int DurationMinutes { get; set; } = 3840;
        public string? TimeZone { get; set; } = "Europe/Berlin";
        public string? Reason { get; set; }
    }

    protected override async Task OnInitializedAsync()
    {
        _mayEdit = (await CurrentActorAsync()).IsInAnyRole(Roles.Admin, Roles.ReleaseManager);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var calendar = scope.ServiceProvider.GetRequiredService<FreezeCalendar>();
        var now = Clock.GetUtcNow().UtcDateTime;
        _windows = await calendar.ListAsync();
        _upcoming = await calendar.OccurrencesAsync(now, now.AddDays(28));
    }

    private async Task CreateAsync()
    {
        DateTime? start = DateTime.TryParse(_form.Start, CultureInfo.InvariantCulture, DateTimeStyles.None, out var s) ? s : null;
        var request = new FreezeWindowRequest(_form.Name, _form.Service, _form.Environment, _form.RRule, start, _form.DurationMinutes, _form.TimeZone, Reason: _form.Reason);
        if (await ActAsync<FreezeCalendar>((calendar, actor) => calendar.CreateAsync(actor, request), "Freeze window created."))
        {
            _creating = false;
            await LoadAsync();
        }
    }

    private async Task DeleteAsync(FreezeWindow w)
    {
        if (!await Dialogs.ConfirmAsync("Delete freeze window", $"Delete '{w.Name}'? Deployments it holds back may proceed.", "Delete", MudBlazor.Color.Error)) return;
        if (await ActAsync<FreezeCalendar>((calendar, actor) => calendar.DeleteAsync(actor, w.Id), "Freeze window deleted.")) await LoadAsync();
    }

    private static DateTime WeekOf(DateTime utc) => utc.Date.AddDays(-(((int)utc.DayOfWeek + 6) % 7));

    private static string Describe(FreezeWindow w) => w.IsRecurring
        ? $"{w.RRule} from {w.StartLocal:yyyy-MM-dd HH:mm} {w.TimeZone}, {w.DurationMinutes} min"
        : $"{w.StartUtc:yyyy-MM-dd HH:mm} → {w.EndUtc:yyyy-MM-dd HH:mm} UTC";
}
