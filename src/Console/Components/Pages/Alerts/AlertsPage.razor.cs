using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;

namespace OpsConsole.Console.Components.Pages.Alerts;

public partial class AlertsPage
{
    protected string Status { get; set; } = "";
    protected string? Query { get; set; }
    protected string? Service { get; set; }
    protected IReadOnlyList<AlertView>? Alerts { get; set; }

    protected bool CanSendTestAlert { get; set; }
    protected string TestService { get; set; } = "checkout";
    protected string TestEnvironment { get; set; } = "prod";

    protected override async Task OnInitializedAsync()
    {
        CanSendTestAlert = (await CurrentActorAsync()).IsInAnyRole(Roles.OnCall, Roles.Admin);
        // An alert that starts firing or resolves is pushed here, so the list is never stale.
        Listen(() => Live.Subscribe(e =>
        {
            if (e.Type is EventTypes.AlertFiring or EventTypes.AlertResolved) Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    /// <summary>Fires a test alert through Core's ingestion (which checks the role again), then shows it in the list.</summary>
    protected async Task SendTestAlertAsync()
    {
        if (await ActAsync<AlertIngestion>((ingestion, actor) => ingestion.SendTestAlertAsync(actor, TestService, TestEnvironment),
                $"Test alert {AlertIngestion.TestAlertName} fired for {TestService}/{TestEnvironment}: the route tree's receiver is notified after its group_wait."))
            await ReloadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        try
        {
            Alerts = await scope.ServiceProvider.GetRequiredService<AlertQueries>().SearchAsync(Status, Query, Service, 200);
        }
        catch (DomainException e)
        {
            Snackbar.Add(e.Message, MudBlazor.Severity.Error);
        }
    }
}
