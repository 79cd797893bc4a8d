namespace OpsConsole.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => OpsCli.RunAsync(args, CliContext.FromProcess());
}
