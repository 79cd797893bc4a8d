using Microsoft.AspNetCore.Antiforgery;
using OpsConsole.Console.Api;

namespace OpsConsole.Console.Auth;

/// <summary>
/// A state-changing API request (POST, PUT, PATCH, DELETE under /api) that is authenticated by the
/// session cookie must carry the antiforgery token in the <see cref="HeaderName"/> header, or it is
/// refused with 403 before anything runs. A browser sends the cookie with a form another site posts;
/// it cannot send this header cross-site. Scripts and automation use an API token (Authorization:
/// Bearer), which needs no header: a token is never sent by a browser on its own. A signed-in browser
/// script gets the header value from GET /api/v1/me/antiforgery. The console's own pages do not call
/// the API (they use the server-side circuit); only downloads (GET) use the cookie.
/// </summary>
public static class ApiProofOfIntent
{
    public const string HeaderName = "X-CSRF-TOKEN";

    public static IApplicationBuilder UseApiProofOfIntent(this IApplicationBuilder app) => app.Use(async (ctx, next) =>
    {
        if (NeedsProof(ctx) && !await ctx.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(ctx))
        {
            await ApiProblems.WriteAsync(ctx, StatusCodes.Status403Forbidden, "Proof of intent missing",
                $"A signed-in browser session changes nothing through the API without the '{HeaderName}' header " +
                "(its value from GET /api/v1/me/antiforgery). Scripts send an API token as 'Authorization: Bearer <token>'.");
            return;
        }
        await next(ctx);
    });

    private static bool NeedsProof(HttpContext ctx) =>
        ctx.Request.Path.StartsWithSegments("/api")
        && !(HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method) || HttpMethods.IsOptions(ctx.Request.Method) || HttpMethods.IsTrace(ctx.Request.Method))
        && ctx.User.Identity?.IsAuthenticated == true
        && !ctx.User.IsViaToken();
}
