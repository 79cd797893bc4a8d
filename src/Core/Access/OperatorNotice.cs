namespace OpsConsole.Core.Access;

/// <summary>
/// Text meant for the operator at the console's terminal only (the first run's generated password).
/// It is written to standard output directly, never through a logger, so no log provider or exporter
/// (OpenTelemetry, files, log shippers) ever receives it.
/// </summary>
public sealed class OperatorNotice(TextWriter output)
{
    private readonly Lock _gate = new();

    public static OperatorNotice StandardOutput { get; } = new(System.Console.Out);

    public void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
