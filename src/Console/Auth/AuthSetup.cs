using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Console.Api;
using OpsConsole.Core.Access;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Auth;

public static class AuthSetup
{
    public const string CombinedScheme = "Console";
    public const string OidcScheme = "oidc";

    public static IServiceCollection AddConsoleAuth(this IServiceCollection services, IConfiguration config)
    {
        services.AddIdentity<ConsoleUser, IdentityRole>(o =>
            {
                // Length over composition rules (NIST SP 800-63B).
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = false;
            })
            .AddEntityFrameworkStores<OpsDbContext>()
            .AddDefaultTokenProviders();

        // Disabling a user or changing their roles updates the security stamp; sessions notice within a minute.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "opsconsole.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure over HTTPS, also behind a trusted proxy (OPS_FORWARDED_HEADERS)
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/access-denied";
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            // Machines get problem details, people get the sign-in page.
            o.Events.OnRedirectToLogin = ctx => IsMachineRoute(ctx.Request)
                ? ApiProblems.WriteAsync(ctx.HttpContext, 401, "Not signed in", "Sign in, or send an API token as 'Authorization: Bearer <token>'.")
                : Redirect(ctx);
            o.Events.OnRedirectToAccessDenied = ctx => IsMachineRoute(ctx.Request)
                ? ApiProblems.WriteAsync(ctx.HttpContext, 403, "Forbidden", "Your roles do not allow this: " + RolesOf(ctx.HttpContext.User))
                : Redirect(ctx);
        });

        var auth = services.AddAuthentication(o =>
            {
                // AddIdentity sets the default authenticate scheme to its cookie; tokens need the combined scheme.
                o.DefaultScheme = CombinedScheme;
                o.DefaultAuthenticateScheme = CombinedScheme;
                o.DefaultChallengeScheme = CombinedScheme;
                o.DefaultForbidScheme = CombinedScheme;
            })
            .AddPolicyScheme(CombinedScheme, "Cookie or API token", o =>
                o.ForwardDefaultSelector = ctx => BearerTokenHandler.ReadToken(ctx.Request) is not null
                    ? BearerTokenHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, _ => { });

        var oidc = OidcSettings.From(config);
        services.AddSingleton(oidc);
        if (oidc.Enabled)
        {
            auth.AddOpenIdConnect(OidcScheme, "Single sign-on", o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                o.ClientSecret = string.IsNullOrEmpty(oidc.ClientSecret) ? null : oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SignInScheme = IdentityConstants.ExternalScheme;
                o.CallbackPath = "/signin-oidc";
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.Scope.Clear();
                foreach (var scope in oidc.Scopes) o.Scope.Add(scope);
                o.TokenValidationParameters.NameClaimType = oidc.NameClaim;
                o.TokenValidationParameters.RoleClaimType = oidc.RoleClaim;
                o.RequireHttpsMetadata = oidc.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            });
        }

        services.AddAuthorization(Policies.Add);
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingAuthState>();
        return services;
    }

    private static bool IsMachineRoute(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/openapi");

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> ctx)
    {
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    private static string RolesOf(ClaimsPrincipal user) =>
        user.FindAll(ClaimTypes.Role).Select(c => c.Value) is var roles && roles.Any() ? "you hold " + string.Join(", ", roles) + "." : "you hold no console role.";
}

/// <summary>OpenID Connect settings (section Authentication:Oidc). Off unless Enabled and an authority and client id are set.</summary>
public sealed record OidcSettings(bool Enabled, string Authority, string ClientId, string? ClientSecret, string RoleClaim, string NameClaim, IReadOnlyList<string> Scopes, IReadOnlyDictionary<string, string> RoleMap)
{
    public static OidcSettings From(IConfiguration config)
    {
        var s = config.GetSection("Authentication:Oidc");
        var authority = s["Authority"] ?? "";
        var clientId = s["ClientId"] ?? "";
        var enabled = s.GetValue<bool>("Enabled") && authority.Length > 0 && clientId.Length > 0;
        var scopes = s.GetSection("Scopes").Get<string[]>() is { Length: > 0 } sc ? sc : ["openid", "profile", "email"];
        var map = s.GetSection("RoleMap").GetChildren().ToDictionary(c => c.Key, c => c.Value ?? "", StringComparer.Ordinal);
        return new OidcSettings(enabled, authority, clientId, s["ClientSecret"], s["RoleClaim"] is { Length: > 0 } rc ? rc : "roles",
            s["NameClaim"] is { Length: > 0 } nc ? nc : "preferred_username", scopes, map);
    }

    public ExternalRoleMap Roles => new(RoleMap);
}
