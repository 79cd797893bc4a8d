using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Components.Pages.Releases;

public partial class ReleaseDetail
{
    [Parameter] public string Service { get; set; } = "";
    [Parameter] public string Version { get; set; } = "";

    private Release? _release;
    private IReadOnlyList<ReleaseTimelineEntry> _timeline = [];

    protected override async Task OnParametersSetAsync()
    {
        await using var scope = ScopeFactory.CreateAsyncScope();
        _release = await scope.ServiceProvider.GetRequiredService<ReleaseRegistry>().FindAsync(Service, Version);
        _timeline = _release is null ? [] : await scope.ServiceProvider.GetRequiredService<ReleaseTimeline>().BuildAsync(Service, Version);
    }
}
