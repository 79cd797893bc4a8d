using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// The first run's generated admin password reaches the operator's terminal once and nothing else:
/// not the logs, so not an OpenTelemetry exporter shipping them to a log store others can read.
/// </summary>
public sealed partial class AccessFirstRunPasswordTests
{
    [GeneratedRegex(@"generated password (\S+) ")]
    private static partial Regex PrintedPassword();

    [Fact]
    public async Task The_generated_admin_password_is_printed_to_standard_output_and_never_reaches_the_log_pipeline()
    {
        // No OPS_ADMIN_PASSWORD: the console generates one. Every log category at every level is captured.
        await using var console = ConsoleFactory.With(new Dictionary<string, string?> { ["OPS_ADMIN_PASSWORD"] = null }, captureAllFrom: LogLevel.Trace);
        using var admin = console.CreateAdminClient(); // starts the console

        var printed = PrintedPassword().Match(console.OperatorOutput.ToString());
        Assert.True(printed.Success, "The first run printed no generated password: " + console.OperatorOutput);
        var password = printed.Groups[1].Value;
        Assert.True(password.Length >= 16);

        // It is the real password...
        var (browser, _) = console.CreateBrowser();
        using (browser) await browser.SignInAsync(FirstRun.AdminUserName, password);

        // ...the logs say where it went (the evidence is there to search)...
        Assert.Contains(console.Logs.Entries, l => l.Text.Contains("generated password, printed once"));
        Assert.Contains(console.OpenTelemetryLogs, l => l.Contains("generated password, printed once"));
        Assert.Contains(console.OpenTelemetryLogs, l => l.Contains($"Password sign-in for {FirstRun.AdminUserName}"));

        // ...and neither the log providers nor the OpenTelemetry pipeline ever saw it.
        var leaked = console.Logs.Entries.FirstOrDefault(l => l.Text.Contains(password, StringComparison.Ordinal));
        Assert.True(leaked is null, $"The password reached the logs: {leaked?.Category}: {leaked?.Text}");
        Assert.DoesNotContain(console.OpenTelemetryLogs, l => l.Contains(password, StringComparison.Ordinal));
        await ConsoleState.AssertAuditIntactAsync(admin);
        await admin.GetAsync("/api/v1/me").EnsureStatusAsync(HttpStatusCode.OK);
    }
}
