using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Api;

public sealed record CreateUserRequest(string? UserName, string? Password, string[]? Roles, string? Email);
public sealed record SetRolesRequest(string[]? Roles);
public sealed record ResetPasswordRequest(string? Password);

public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", List).WithName("ListUsers").WithSummary("List users with their roles").WithDescription("Admin only.");
        users.MapPost("/", Create).WithName("CreateUser").WithSummary("Create a local user")
            .WithDescription("Admin only. Password: at least 10 characters. Roles: Viewer, OnCall, ReleaseManager, Facilitator, Admin.")
            .ProducesValidationProblem().ProducesProblem(409);
        users.MapPut("/{userName}/roles", SetRoles).WithName("SetUserRoles").WithSummary("Replace a user's roles").ProducesValidationProblem().ProducesProblem(404);
        users.MapPost("/{userName}/disable", Disable).WithName("DisableUser").WithSummary("Disable a user: sign-in and every token stop working").ProducesProblem(404);
        users.MapPost("/{userName}/enable", Enable).WithName("EnableUser").WithSummary("Enable a user and clear any lockout").ProducesProblem(404);
        users.MapPost("/{userName}/password", ResetPassword).WithName("ResetUserPassword").WithSummary("Set a new password for a user").ProducesValidationProblem().ProducesProblem(404);
        return api;
    }

    private static async Task<Ok<IReadOnlyList<UserSummary>>> List(UserDirectory directory, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(await directory.ListAsync(ctx.ToActor(), ct));

    private static async Task<Created<UserSummary>> Create(CreateUserRequest body, UserDirectory directory, HttpContext ctx, CancellationToken ct)
    {
        var user = await directory.CreateAsync(ctx.ToActor(), body.UserName, body.Password, body.Roles, body.Email, ct);
        return TypedResults.Created($"/api/v1/users/{Uri.EscapeDataString(user.UserName)}", user);
    }

    private static async Task<Ok<UserSummary>> SetRoles(string userName, SetRolesRequest body, UserDirectory directory, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(await directory.SetRolesAsync(ctx.ToActor(), userName, body.Roles, ct));

    private static async Task<NoContent> Disable(string userName, UserDirectory directory, HttpContext ctx, CancellationToken ct)
    {
        await directory.SetEnabledAsync(ctx.ToActor(), userName, enabled: false, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> Enable(string userName, UserDirectory directory, HttpContext ctx, CancellationToken ct)
    {
        await directory.SetEnabledAsync(ctx.ToActor(), userName, enabled: true, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> ResetPassword(string userName, ResetPasswordRequest body, UserDirectory directory, HttpContext ctx, CancellationToken ct)
    {
        await directory.ResetPasswordAsync(ctx.ToActor(), userName, body.Password, ct);
        return TypedResults.NoContent();
    }
}
