using System.Text.Json;
using OpsConsole.Core.Releases;

namespace OpsConsole.Console.Components.Pages.Releases;

/// <summary>How release pages write things.</summary>
public static class ReleaseText
{
    public static string Link(Release r) => $"/releases/{Uri.EscapeDataString(r.Service)}/{Uri.EscapeDataString(r.Version)}";

    public static string ShortSha(string sha) => sha.Length <= 10 ? sha : sha[..10];

    public static IReadOnlyList<string> FailedTests(ReleaseCheck c) => JsonSerializer.Deserialize<List<string>>(c.FailedTestsJson) ?? [];

    /// <summary>Only http(s) links are rendered as links (the registry accepts no other scheme; this guards older rows).</summary>
    public static bool IsWebLink(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";
}
