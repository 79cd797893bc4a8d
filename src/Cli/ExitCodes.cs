namespace OpsConsole.Cli;

/// <summary>What <c>ops</c> exits with; pipelines branch on these (the README lists them).</summary>
public static class ExitCodes
{
    /// <summary>Done; for <c>promote --wait</c>: the promotion succeeded.</summary>
    public const int Ok = 0;

    /// <summary>The console refused the request (4xx other than below), answered with an error, or could not be reached.</summary>
    public const int Error = 1;

    /// <summary>The command line is wrong (unknown command, missing or bad option) or no console/token is configured.</summary>
    public const int Usage = 2;

    /// <summary>The token was refused (401) or may not do this (403).</summary>
    public const int NotAllowed = 3;

    /// <summary>The promotion was rejected (by a ReleaseManager, or the release is rejected for the pipeline).</summary>
    public const int Rejected = 4;

    /// <summary>The promotion's deployment failed and was rolled back.</summary>
    public const int Failed = 5;

    /// <summary>The promotion was cancelled.</summary>
    public const int Cancelled = 6;

    /// <summary><c>--wait</c> ran out of time before the promotion finished (it goes on in the console).</summary>
    public const int TimedOut = 7;
}
