using System.Diagnostics;
using System.Security.Claims;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Auth;

/// <summary>Turns the signed-in principal into the <see cref="Actor"/> that Core checks and audits.</summary>
public static class ActorAccessor
{
    public static Actor ToActor(this ClaimsPrincipal user, string? correlationId = null)
    {
        var name = user.Identity?.IsAuthenticated == true ? user.Identity.Name ?? "unknown" : "anonymous";
        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).Where(r => Roles.IsKnown(r) || TokenScopes.Find(r) == r).ToHashSet();
        var viaToken = user.HasClaim(c => c.Type == BearerTokenHandler.TokenIdClaim);
        DateTime? tokenExpires = user.FindFirstValue(BearerTokenHandler.TokenExpiresClaim) is { } e
            ? DateTime.Parse(e, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind).ToUniversalTime()
            : null;
        return new Actor(name, roles, correlationId ?? CurrentCorrelationId()) { ViaToken = viaToken, TokenExpiresAt = tokenExpires };
    }

    /// <summary>True when the request was authenticated by an API token (not by the session cookie).</summary>
    public static bool IsViaToken(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == BearerTokenHandler.TokenIdClaim);

    public static Actor ToActor(this HttpContext context) => context.User.ToActor(CorrelationId.Of(context));

    /// <summary>The trace id of the current activity, so audit entries, logs and traces share one id.</summary>
    public static string CurrentCorrelationId() =>
        Activity.Current?.TraceId.ToString() is { } t && t != default(ActivityTraceId).ToString() ? t : Guid.NewGuid().ToString("N");
}
