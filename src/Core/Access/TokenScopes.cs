namespace OpsConsole.Core.Access;

/// <summary>
/// Narrow token scopes that are not user roles: a token carrying one may do that one thing and
/// nothing else (it holds no console role, so every other route answers 403).
/// </summary>
public static class TokenScopes
{
    /// <summary>Posts alerts (Alertmanager's webhook, the generic form) and nothing else. Issued by an OnCall or Admin.</summary>
    public const string AlertIngest = "AlertIngest";

    /// <summary>
    /// A CI pipeline: registers releases, reports test results, requests promotions and follows them
    /// (their status and the events hub), nothing else. Issued by a ReleaseManager or Admin.
    /// </summary>
    public const string Ci = "Ci";

    public static readonly IReadOnlyList<string> All = [AlertIngest, Ci];

    /// <summary>The roles a user must hold (any of) to issue and keep using a token with this scope.</summary>
    public static IReadOnlyList<string> IssuerRoles(string scope) => scope switch
    {
        AlertIngest => [Roles.OnCall, Roles.Admin],
        Ci => [Roles.ReleaseManager, Roles.Admin],
        _ => [],
    };

    public static string? Find(string? name) => All.FirstOrDefault(s => string.Equals(s, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
