using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;

namespace OpsConsole.Console.Components.Pages.Alerts;

public partial class AlertRoutesPage
{
    protected int Version { get; set; }
    protected string? Yaml { get; set; }
    protected AlertingConfig? Config { get; set; }
    protected string? LabelsText { get; set; }
    protected IReadOnlyList<RouteMatch>? Matches { get; set; }
    protected string? MatchError { get; set; }

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        (Version, Config, Yaml) = await scope.ServiceProvider.GetRequiredService<AlertRoutes>().CurrentAsync();
    }

    protected static int Depth(RouteNode node)
    {
        var d = 0;
        for (var n = node.Parent; n is not null; n = n.Parent) d++;
        return d;
    }

    protected async Task SaveAsync()
    {
        if (await ActAsync<AlertRoutes>((routes, actor) => routes.ReplaceAsync(actor, Yaml), "The route tree was replaced."))
            await LoadAsync();
    }

    protected async Task MatchAsync()
    {
        MatchError = null;
        Matches = null;
        try
        {
            var labels = ParseLabels(LabelsText);
            await using var scope = ScopeFactory.CreateAsyncScope();
            Matches = await scope.ServiceProvider.GetRequiredService<AlertRoutes>().MatchAsync(labels);
        }
        catch (DomainException e)
        {
            MatchError = e.Message;
        }
    }

    /// <summary>Labels as pasted: <c>name=value</c> per line (or comma-separated), or Alertmanager's <c>{a="b"}</c> form.</summary>
    public static Dictionary<string, string> ParseLabels(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text)) return result;
        var joined = string.Join(",", text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        foreach (var m in LabelMatcher.ParseList(joined))
        {
            if (m.Type != MatcherType.Equal) throw new InvalidInputException("labels", $"'{m}' is a matcher; give label values as name=value.");
            result[m.Name] = m.Value;
        }
        return result;
    }
}
