using System.Text.Json;

namespace OpsConsole.Cli;

/// <summary>The console address and token: OPS_URL / OPS_TOKEN win over what <c>ops login</c> saved.</summary>
public sealed record CliConfig(string Url, string Token)
{
    public const string FileName = "cli.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathIn(CliContext ctx) => Path.Combine(ctx.ConfigDirectory, FileName);

    /// <summary>The settings to use, or null with the reason when there are none.</summary>
    public static (CliConfig? Config, string? Problem) Resolve(CliContext ctx)
    {
        string? url = null, token = null;
        var path = PathIn(ctx);
        if (File.Exists(path))
        {
            try
            {
                var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), Json);
                url = saved?.Url;
                token = saved?.Token;
            }
            catch (JsonException)
            {
                return (null, $"The saved settings in {path} cannot be read: run 'ops login' again.");
            }
        }
        if (ctx.Environment("OPS_URL") is { Length: > 0 } envUrl) url = envUrl;
        if (ctx.Environment("OPS_TOKEN") is { Length: > 0 } envToken) token = envToken;
        if (string.IsNullOrWhiteSpace(url)) return (null, "No console address: run 'ops login --url URL --token TOKEN' or set OPS_URL.");
        if (string.IsNullOrWhiteSpace(token)) return (null, "No token: run 'ops login --url URL --token TOKEN' or set OPS_TOKEN.");
        var checkedUrl = CheckUrl(url);
        return checkedUrl is null ? (null, $"'{url}' is not an http(s) address.") : (new CliConfig(checkedUrl, token.Trim()), null);
    }

    /// <summary>The address without a trailing slash, or null when it is not absolute http(s).</summary>
    public static string? CheckUrl(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Path).TrimEnd('/') : null;

    /// <summary>Saves the address and token, readable by this user only (0600 where the system has Unix modes).</summary>
    public void Save(CliContext ctx)
    {
        Directory.CreateDirectory(ctx.ConfigDirectory);
        var path = PathIn(ctx);
        var body = JsonSerializer.Serialize(new Saved(Url, Token), Json);
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, body);
            return;
        }
        // Created with the mode set, so the token is never readable by others, not even for a moment.
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream)) writer.Write(body);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private sealed record Saved(string? Url, string? Token);
}
