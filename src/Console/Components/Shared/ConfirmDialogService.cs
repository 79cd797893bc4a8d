using MudBlazor;

namespace OpsConsole.Console.Components.Shared;

/// <summary>Asks a person to confirm an action through <see cref="ConfirmDialog"/>, the same way on every page.</summary>
public static class ConfirmDialogService
{
    /// <summary>True when the person confirmed; false when they cancelled or closed the dialog.</summary>
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, string title, string message, string confirmText, Color colour = Color.Primary)
    {
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { x => x.Message, message },
            { x => x.ConfirmText, confirmText },
            { x => x.Colour, colour },
        };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        return result is { Canceled: false };
    }
}
