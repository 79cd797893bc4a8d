using MudBlazor;
using OpsConsole.Console.Components.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Config;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Console.Components.Pages.Promotions;

public partial class ApprovalsPage
{
    private List<InboxItem> _items = [];
    private Actor? _actor;
    private readonly Dictionary<Guid, string> _comments = [];

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentActorAsync();
        Listen(() => Live.Subscribe(e =>
        {
            if (PipelinesPage.IsPipelineEvent(e.Type) || e.Type.StartsWith("config.", StringComparison.Ordinal)) Refresh();
            return Task.CompletedTask;
        }));
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        await using var scope = ScopeFactory.CreateAsyncScope();
        _items = await InboxItem.LoadAsync(db, scope.ServiceProvider.GetRequiredService<IConfigSnapshots>());
        foreach (var item in _items) _comments.TryAdd(item.Promotion.Id, "");
    }

    private static string Reason(Promotion p, string gate) => p.Gates.FirstOrDefault(g => g.Name == gate)?.Reason ?? "Not evaluated yet.";

    private async Task DecideAsync(InboxItem item, bool approve)
    {
        var p = item.Promotion;
        var comment = _comments.GetValueOrDefault(p.Id, "");
        var what = $"{p.Service} {p.Version} to {p.Environment}";
        if (!await Dialogs.ConfirmAsync(approve ? "Approve promotion" : "Reject promotion",
                approve ? $"Approve the promotion of {what}? It deploys as soon as every gate passes."
                        : $"Reject the promotion of {what}? This ends it.",
                approve ? "Approve" : "Reject", approve ? Color.Success : Color.Error))
            return;
        if (await ActAsync<PromotionDesk>((desk, actor) => approve ? desk.ApproveAsync(actor, p.Id, comment) : desk.RejectAsync(actor, p.Id, comment),
                approve ? $"Approved {what}." : $"Rejected {what}."))
            await ReloadAsync();
    }
}
