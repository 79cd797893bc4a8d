using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Access;

/// <summary>
/// Who is acting, with which roles, under which correlation id. Every mutating operation in Core
/// takes an Actor and checks its roles itself, so the rule holds for the UI, the API and jobs alike.
/// </summary>
public sealed record Actor(string Name, IReadOnlySet<string> Roles, string CorrelationId)
{
    /// <summary>
    /// Set when the actor acts through an API token: that token's expiry (null for a token that never
    /// expires). Anything the actor creates with a lifetime, such as another token, may not outlive it.
    /// </summary>
    public DateTime? TokenExpiresAt { get; init; }

    /// <summary>True when the actor acts through an API token rather than a signed-in session.</summary>
    public bool ViaToken { get; init; }

    public static Actor System(string correlationId) =>
        new("system", new HashSet<string>(Access.Roles.All), correlationId);

    public bool IsInRole(string role) => Roles.Contains(role);

    public bool IsInAnyRole(params string[] roles) => roles.Any(Roles.Contains);

    /// <summary>Throws <see cref="AccessDeniedException"/> unless the actor holds one of the roles.</summary>
    public void Require(string action, params string[] anyOf)
    {
        if (!IsInAnyRole(anyOf))
            throw new AccessDeniedException(action, anyOf);
    }
}
