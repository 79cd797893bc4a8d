using MudBlazor;

namespace OpsConsole.Console.Components.Layout;

public static class ConsoleTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1f5fbf", Secondary = "#0f8b8d", AppbarBackground = "#17243a" },
        PaletteDark = new PaletteDark { Primary = "#6ea8fe", Secondary = "#3cc6c8", AppbarBackground = "#101827" },
    };
}
