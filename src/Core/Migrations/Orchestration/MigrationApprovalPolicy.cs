namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>How long an approval stays valid: a job that starts later is refused and the batch waits for a new approval.</summary>
public sealed record MigrationApprovalPolicy(TimeSpan Validity)
{
    public static readonly MigrationApprovalPolicy Default = new(TimeSpan.FromHours(24));

    /// <summary>From a number of hours as configured (OPS_MIGRATION_APPROVAL_HOURS); empty means the default.</summary>
    public static MigrationApprovalPolicy FromHours(string? hours)
    {
        if (string.IsNullOrWhiteSpace(hours)) return Default;
        if (!double.TryParse(hours, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var h) || h <= 0 || h > 24 * 90)
            throw new InvalidOperationException($"OPS_MIGRATION_APPROVAL_HOURS must be a number of hours above 0 and at most {24 * 90}; it is '{hours}'.");
        return new MigrationApprovalPolicy(TimeSpan.FromHours(h));
    }
}
