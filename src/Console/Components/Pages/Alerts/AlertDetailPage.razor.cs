using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerting;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Components.Pages.Alerts;

public partial class AlertDetailPage
{
    [Parameter] public string Fingerprint { get; set; } = "";
    [Inject] private IServiceProvider Provider { get; set; } = default!;

    protected AlertDetail? Detail { get; set; }
    protected bool NotFound { get; set; }
    protected bool CanOpenIncident { get; set; }
    protected long? OpenedIncident { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        Detail = await scope.ServiceProvider.GetRequiredService<AlertQueries>().GetAsync(Fingerprint);
        NotFound = Detail is null;
        var actor = await CurrentActorAsync();
        // The button shows only where incidents exist and the user may open one; Incidents checks the role again.
        CanOpenIncident = Detail is not null && Provider.GetService<IIncidentIntake>() is not null && actor.IsInAnyRole(Roles.OnCall, Roles.Admin);
    }

    protected async Task OpenIncidentAsync()
    {
        if (Detail is null) return;
        var snapshot = new AlertSnapshot(Detail.Alert.Fingerprint, Detail.Alert.Labels, Detail.Alert.Annotations,
            Detail.Alert.Status == "firing" ? AlertStatus.Firing : AlertStatus.Resolved, Detail.Alert.StartsAt, Detail.Alert.EndsAt, Detail.Alert.GeneratorUrl);
        long id = 0;
        if (await ActAsync<IIncidentIntake>(async (intake, actor) => id = await intake.OpenFromAlertAsync(actor, snapshot, IncidentSeverity.Sev3, CancellationToken.None)))
            OpenedIncident = id;
    }

    /// <summary>Only http(s) links are rendered: a javascript: or data: generator URL stays text.</summary>
    public static string? SafeUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) ? u.ToString() : null;
}
