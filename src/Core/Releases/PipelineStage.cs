namespace OpsConsole.Core.Releases;

/// <summary>
/// A service's catalogue entry: who owns it, where its code lives and the runbooks on-call reach for.
/// </summary>
public sealed class ServiceProfile
{
    public required string Service { get; set; }
    public string Owner { get; set; } = "";
    public string? RepositoryUrl { get; set; }

    /// <summary>Runbook slugs, comma separated.</summary>
    public string Runbooks { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One environment in a service's promotion pipeline (dev -> staging -> prod), with the gates a
/// release must pass to be deployed there. The stage's cluster target and default strategy are the
/// service's <see cref="Rollouts.DeployTarget"/> in that environment.
/// </summary>
public sealed class PipelineStage
{
    public required string Service { get; set; }
    public required string Environment { get; set; }

    /// <summary>Position in the pipeline, 0 first; a promotion to stage N needs the release to have run in stage N-1.</summary>
    public int Order { get; set; }

    /// <summary>Names of the checks that must have passed, comma separated (e.g. <c>unit,e2e</c>).</summary>
    public string RequiredChecks { get; set; } = "";

    /// <summary>How long the release must have run healthy in the previous stage; 0 for none.</summary>
    public int SoakMinutes { get; set; }

    /// <summary>Distinct ReleaseManagers (never the requester) who must approve; 0 for none.</summary>
    public int RequiredApprovals { get; set; }

    /// <summary>Deploy a release here by itself as soon as it is registered (first stage only).</summary>
    public bool AutoDeploy { get; set; }

    /// <summary>Analysis template a promotion's rollout uses when it names none; null for the target's default strategy.</summary>
    public string? AnalysisTemplate { get; set; }

    /// <summary>The error-budget gate: promotion here waits while the service's SLO budget in this environment is exhausted or burns too fast.</summary>
    public bool ErrorBudgetRequired { get; set; }

    /// <summary>The 1-hour burn rate above which the error-budget gate blocks; null for the default (2×).</summary>
    public double? ErrorBudgetMaxBurnRate { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> RequiredCheckNames =>
        RequiredChecks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
