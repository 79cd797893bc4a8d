namespace OpsConsole.Cli;

/// <summary>Where <c>ops</c> writes and what it reads from its surroundings; tests give their own.</summary>
/// <param name="Environment">Reads an environment variable (OPS_URL, OPS_TOKEN, OPS_CONFIG_DIR).</param>
/// <param name="ConfigDirectory">Where <c>ops login</c> keeps the console address and token.</param>
public sealed record CliContext(TextWriter Out, TextWriter Error, Func<string, string?> Environment, string ConfigDirectory)
{
    public static CliContext FromProcess()
    {
        var dir = System.Environment.GetEnvironmentVariable("OPS_CONFIG_DIR") is { Length: > 0 } d
            ? d
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.ApplicationData, System.Environment.SpecialFolderOption.DoNotVerify), "opsconsole");
        return new CliContext(System.Console.Out, System.Console.Error, System.Environment.GetEnvironmentVariable, dir);
    }

    /// <summary>How often <c>promote --wait</c> reads the promotion besides the live events.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
}
