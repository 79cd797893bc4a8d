using OpsConsole.Core.Access;

namespace OpsConsole.Console.Auth;

/// <summary>Authorization policies by what they allow. Pages, API routes and hub methods name these.</summary>
public static class Policies
{
    /// <summary>Any signed-in user with at least one console role.</summary>
    public const string Read = "read";
    public const string Admin = "admin";
    public const string OnCall = "oncall";
    public const string ReleaseManager = "release-manager";
    public const string Facilitator = "facilitator";
    /// <summary>Start, pause, abort... rollouts: OnCall or ReleaseManager.</summary>
    public const string ActOnRollouts = "act-on-rollouts";
    /// <summary>Edit and run runbooks: OnCall or Admin.</summary>
    public const string WorkRunbooks = "work-runbooks";
    /// <summary>What a CI pipeline does (register releases, report checks, request and follow promotions): any console role or a Ci-scoped token.</summary>
    public const string Pipeline = "pipeline";

    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        options.AddPolicy(Read, p => p.RequireAuthenticatedUser().RequireRole(Roles.All));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin));
        options.AddPolicy(OnCall, p => p.RequireAuthenticatedUser().RequireRole(Roles.OnCall));
        options.AddPolicy(ReleaseManager, p => p.RequireAuthenticatedUser().RequireRole(Roles.ReleaseManager));
        options.AddPolicy(Facilitator, p => p.RequireAuthenticatedUser().RequireRole(Roles.Facilitator));
        options.AddPolicy(ActOnRollouts, p => p.RequireAuthenticatedUser().RequireRole(Roles.OnCall, Roles.ReleaseManager));
        options.AddPolicy(WorkRunbooks, p => p.RequireAuthenticatedUser().RequireRole(Roles.OnCall, Roles.Admin));
        options.AddPolicy(Pipeline, p => p.RequireAuthenticatedUser().RequireRole([.. Roles.All, TokenScopes.Ci]));
        options.FallbackPolicy = null; // pages and routes opt in explicitly; the API group requires Read
    }
}
