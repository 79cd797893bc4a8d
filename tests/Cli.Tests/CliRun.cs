namespace OpsConsole.Cli.Tests;

/// <summary>What one run of <c>ops</c> printed and exited with.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out\n{Out}\n--- err\n{Error}";
}

/// <summary>Runs <c>ops</c> in-process, as a pipeline would run it: its own config folder and environment variables.</summary>
public sealed class CliRun : IDisposable
{
    public string ConfigDirectory { get; } = Path.Combine(Path.GetTempPath(), "opsconsole-cli-tests", Guid.NewGuid().ToString("N"));
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var ctx = new CliContext(TextWriter.Synchronized(output), TextWriter.Synchronized(error), name => Environment.GetValueOrDefault(name), ConfigDirectory)
        {
            PollInterval = PollInterval,
        };
        var code = await OpsCli.RunAsync(args, ctx);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public string WriteFile(string name, string content)
    {
        Directory.CreateDirectory(ConfigDirectory);
        var path = Path.Combine(ConfigDirectory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(ConfigDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
