namespace OpsConsole.Core.OnCall;

/// <summary>Mail server for on-call email (OPS_SMTP_*); no host means email is not sent (and recorded as skipped).</summary>
public sealed record SmtpSettings(string? Host, int Port = 25, string From = "opsconsole@localhost", string? User = null, string? Password = null)
{
    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>How on-call notifications reach people: the console's address for signed links, how long a link lasts, and the mail server.</summary>
public sealed record OnCallOptions
{
    /// <summary>The console's address as people reach it (OPS_PUBLIC_URL), for links in notifications.</summary>
    public string PublicUrl { get; init; } = "http://localhost:5080";
    public TimeSpan AckLinkLifetime { get; init; } = TimeSpan.FromHours(24);
    public SmtpSettings Smtp { get; init; } = new(null);
}
