using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against the stored token hashes. For the hub's
/// WebSocket, where browsers cannot set headers, the token may come as <c>access_token</c> in the query.
/// </summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string TokenIdClaim = "token_id";
    /// <summary>The token's expiry (round-trip format), absent for a token that never expires.</summary>
    public const string TokenExpiresClaim = "token_expires";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = ReadToken(Request);
        if (secret is null) return AuthenticateResult.NoResult();
        var check = await tokens.CheckAsync(secret, Context.RequestAborted);
        if (!check.Succeeded)
        {
            Context.Items[nameof(BearerTokenHandler)] = check.Refusal;
            return AuthenticateResult.Fail(check.Refusal!);
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, check.User!.Id),
            new(ClaimTypes.Name, check.User.UserName!),
            new("auth_method", "token"),
            new(TokenIdClaim, check.TokenId?.ToString() ?? ""),
        };
        if (check.ExpiresAt is { } expires)
            claims.Add(new Claim(TokenExpiresClaim, DateTime.SpecifyKind(expires, DateTimeKind.Utc).ToString("O"), ClaimValueTypes.DateTime));
        claims.AddRange(check.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = Context.Items[nameof(BearerTokenHandler)] as string;
        Response.Headers.WWWAuthenticate = "Bearer";
        await OpsConsole.Console.Api.ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Not signed in",
            refusal ?? "Send a valid API token as 'Authorization: Bearer <token>', or sign in.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        OpsConsole.Console.Api.ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden",
            "Your roles do not allow this. The token's roles: " + string.Join(", ", Context.User.FindAll(ClaimTypes.Role).Select(c => c.Value)));

    public static string? ReadToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (request.Path.StartsWithSegments("/hubs") && request.Query["access_token"].ToString() is { Length: > 0 } q) return q;
        return null;
    }
}
