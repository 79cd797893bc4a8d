namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// A service's migration target in one environment: SQLite or PostgreSQL, with the connection string
/// kept protected (ASP.NET Data Protection): it is never returned, logged or put in evidence; only
/// <see cref="Description"/> (no credentials) is shown.
/// </summary>
public sealed class MigrationTargetConfig
{
    public required string Service { get; set; }
    public required string Environment { get; set; }
    public Targets.TargetKind Provider { get; set; }
    public required string ProtectedConnectionString { get; set; }
    public required string Description { get; set; }
    /// <summary>Apply and revert wait for a ReleaseManager other than the requester (prod in the demo).</summary>
    public bool RequiresApproval { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
}
