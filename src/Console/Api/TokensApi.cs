using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Api;

public sealed record CreateTokenRequest(string? Name, string[]? Roles, int? ExpiresInDays);

public static class TokensApi
{
    public static RouteGroupBuilder MapTokensApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Access");
        tokens.MapGet("/", List).WithName("ListTokens").WithSummary("List your API tokens (all=true: every user's, Admin only)");
        tokens.MapPost("/", Create).WithName("CreateToken").WithSummary("Create an API token for yourself")
            .WithDescription("Returns the secret once. Roles must be a subset of yours (with a token: of the token's); expiry 1 to 365 days (default 30). "
                             + "A token creating a token: the new one cannot outlive it (a longer expiresInDays is refused with 400; left out, it gets the calling token's expiry if sooner).")
            .ProducesValidationProblem();
        tokens.MapDelete("/{id:guid}", Revoke).WithName("RevokeToken").WithSummary("Revoke a token (yours, or anyone's as Admin)").ProducesProblem(404).ProducesProblem(403);
        return api;
    }

    private static async Task<Ok<IReadOnlyList<TokenSummary>>> List(bool? all, ApiTokens tokens, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(await tokens.ListAsync(ctx.ToActor(), all == true, ct));

    private static async Task<Created<IssuedToken>> Create(CreateTokenRequest body, ApiTokens tokens, HttpContext ctx, CancellationToken ct)
    {
        var issued = await tokens.IssueAsync(ctx.ToActor(), body.Name, body.Roles, body.ExpiresInDays, ct);
        return TypedResults.Created($"/api/v1/tokens/{issued.Token.Id}", issued);
    }

    private static async Task<NoContent> Revoke(Guid id, ApiTokens tokens, HttpContext ctx, CancellationToken ct)
    {
        await tokens.RevokeAsync(ctx.ToActor(), id, ct);
        return TypedResults.NoContent();
    }
}
