using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Api;

public sealed record MeResponse(string UserName, IReadOnlyList<string> Roles, string AuthMethod);
public sealed record AntiforgeryResponse(string HeaderName, string Token);

public static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMe)
            .WithName("GetMe").WithTags("Access")
            .WithSummary("Who am I")
            .WithDescription("The caller's user name and the roles this request acts with (a token's roles, or the signed-in user's).");
        api.MapGet("/me/antiforgery", GetAntiforgery)
            .WithName("GetAntiforgeryToken").WithTags("Access")
            .WithSummary("The header a signed-in browser session sends with API changes")
            .WithDescription("A POST, PUT, PATCH or DELETE authenticated by the session cookie must carry this header, else it is refused with 403. "
                             + "Requests with an API token (Authorization: Bearer) need no header.");
        return api;
    }

    private static AntiforgeryResponse GetAntiforgery(HttpContext ctx, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(ctx);
        return new AntiforgeryResponse(ApiProofOfIntent.HeaderName, tokens.RequestToken!);
    }

    private static MeResponse GetMe(ClaimsPrincipal user) => new(
        user.Identity!.Name!,
        user.FindAll(ClaimTypes.Role).Select(c => c.Value).Where(Roles.IsKnown).OrderBy(r => Roles.All.ToList().IndexOf(r)).ToList(),
        user.FindFirstValue("auth_method") ?? user.FindFirstValue("amr") ?? "cookie");
}
