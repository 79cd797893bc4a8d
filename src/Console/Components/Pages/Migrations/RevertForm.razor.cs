using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Console.Components.Shared;

namespace OpsConsole.Console.Components.Pages.Migrations;

/// <summary>How far to revert: the last N changes, or back to a named applied change. Asks before it requests.</summary>
public partial class RevertForm
{
    /// <summary>What to revert: a count, or the change to go back to (which stays applied).</summary>
    public sealed record Choice(int? Count, string? To);

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Parameter, EditorRequired] public MigrationTargetRow Row { get; set; } = default!;
    [Parameter] public bool Busy { get; set; }

    /// <summary>A confirmed choice: the page requests the batch.</summary>
    [Parameter] public EventCallback<Choice> OnSubmit { get; set; }

    /// <summary>A choice that cannot be requested; the page shows why.</summary>
    [Parameter] public EventCallback<string> OnInvalid { get; set; }

    [Parameter] public EventCallback OnCancel { get; set; }

    private bool _toChange;
    private int _count = 1;
    private string? _to;

    protected override void OnInitialized() =>
        _to = Row.AppliedNames.Count > 1 ? Row.AppliedNames[^2] : (Row.AppliedNames.Count == 1 ? Row.AppliedNames[0] : null);

    private async Task ConfirmAsync()
    {
        if (_toChange && string.IsNullOrWhiteSpace(_to))
        {
            await OnInvalid.InvokeAsync("Choose the applied change to revert back to.");
            return;
        }
        var what = _toChange
            ? $"every change applied after {_to} ({_to} stays applied)"
            : _count == 1 ? "the last applied change" : $"the last {_count} applied changes";
        if (!await Dialogs.ConfirmAsync($"Revert {Row.Service} in {Row.Environment}?",
                $"This undoes {what} on {Row.Target}{(Row.RequiresApproval ? " once a second ReleaseManager approved it" : "")}.", "Request revert", Color.Warning))
            return;
        await OnSubmit.InvokeAsync(_toChange ? new Choice(null, _to) : new Choice(_count, null));
    }
}
