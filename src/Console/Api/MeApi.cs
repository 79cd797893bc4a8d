using System.Security.Claims;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Api;

public sealed record MeResponse(string UserName, IReadOnlyList<string> Roles, string AuthMethod);

public static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMe)
            .WithName("GetMe").WithTags("Access")
            .WithSummary("Who am I")
            .WithDescription("The caller's user name and the roles this request acts with (a token's roles, or the signed-in user's).");
        return api;
    }

    private static MeResponse GetMe(ClaimsPrincipal user) => new(
        user.Identity!.Name!,
        user.FindAll(ClaimTypes.Role).Select(c => c.Value).Where(Roles.IsKnown).OrderBy(r => Roles.All.ToList().IndexOf(r)).ToList(),
        user.FindFirstValue("auth_method") ?? user.FindFirstValue("amr") ?? "cookie");
}
