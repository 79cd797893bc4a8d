using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;

namespace OpsConsole.Console.Components.Pages.Alerts;

public partial class SilencesPage
{
    [Microsoft.AspNetCore.Components.Inject] private TimeProvider Clock { get; set; } = default!;

    protected string? Matchers { get; set; }
    protected int DurationMinutes { get; set; } = 60;
    protected string? Comment { get; set; }
    protected bool CanManage { get; set; }
    protected IReadOnlyList<SilenceView> Current { get; set; } = [];
    protected IReadOnlyList<SilenceView> Expired { get; set; } = [];

    protected override async Task OnInitializedAsync()
    {
        CanManage = (await CurrentActorAsync()).IsInAnyRole(Roles.OnCall, Roles.Admin);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        var all = await scope.ServiceProvider.GetRequiredService<Silences>().ListAsync(includeExpired: true);
        Current = all.Where(s => s.State != nameof(SilenceState.Expired)).ToList();
        Expired = all.Where(s => s.State == nameof(SilenceState.Expired)).ToList();
    }

    protected async Task CreateAsync()
    {
        var ends = Clock.GetUtcNow().UtcDateTime.AddMinutes(DurationMinutes);
        if (await ActAsync<Silences>((s, actor) => s.CreateAsync(actor, Matchers, null, ends, Comment), "Silence created."))
        {
            Matchers = Comment = null;
            await LoadAsync();
        }
    }

    protected async Task ExpireAsync(Guid id)
    {
        if (await ActAsync<Silences>((s, actor) => s.ExpireAsync(actor, id), "Silence expired."))
            await LoadAsync();
    }
}
