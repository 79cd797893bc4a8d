using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Auth;

/// <summary>Sign-out and the single sign-on round trip. Password sign-in is the Login page's form.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();

        // A form post with the antiforgery token, so another site cannot sign people out.
        account.MapPost("/logout", async (HttpContext ctx, ConsoleSignIn signIn, IAntiforgery antiforgery) =>
        {
            await antiforgery.ValidateRequestAsync(ctx);
            await signIn.SignOutAsync(ctx.User, CorrelationId.Of(ctx));
            return Results.LocalRedirect("/account/login");
        }).DisableAntiforgery();

        account.MapGet("/login/oidc", (string? returnUrl, OidcSettings oidc, SignInManager<ConsoleUser> signIn) =>
        {
            if (!oidc.Enabled) return Results.NotFound();
            var redirect = "/account/login/oidc/complete?returnUrl=" + Uri.EscapeDataString(SafeReturnUrl(returnUrl));
            var properties = signIn.ConfigureExternalAuthenticationProperties(AuthSetup.OidcScheme, redirect);
            return Results.Challenge(properties, [AuthSetup.OidcScheme]);
        });

        account.MapGet("/login/oidc/complete", async (string? returnUrl, HttpContext ctx, ConsoleSignIn signIn) =>
        {
            var outcome = await signIn.ExternalAsync(CorrelationId.Of(ctx));
            await ctx.SignOutAsync(IdentityConstants.ExternalScheme);
            return outcome == SignInOutcome.SignedIn
                ? Results.LocalRedirect(SafeReturnUrl(returnUrl))
                : Results.LocalRedirect("/account/login?error=" + outcome);
        });
        return app;
    }

    /// <summary>Only local paths: an open redirect would let a phishing link bounce through the console.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\") ? returnUrl : "/";
}
