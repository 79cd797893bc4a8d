using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;

namespace OpsConsole.Console.Components.Pages.Alerts;

public partial class AlertsPage
{
    protected string Status { get; set; } = "";
    protected string? Query { get; set; }
    protected string? Service { get; set; }
    protected IReadOnlyList<AlertView>? Alerts { get; set; }

    protected override Task OnInitializedAsync() => LoadAsync();

    protected async Task LoadAsync()
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
