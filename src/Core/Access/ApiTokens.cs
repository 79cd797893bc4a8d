using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Access;

public sealed record TokenSummary(Guid Id, string Name, string UserName, string Prefix, IReadOnlyList<string> Roles, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt, TokenState State);

/// <summary>The secret is in this record only; it is never stored or shown again.</summary>
public sealed record IssuedToken(TokenSummary Token, string Secret);

/// <summary>The result of presenting a bearer token: the user and the roles it may act with, or why it was refused.</summary>
public sealed record TokenCheck(ConsoleUser? User, IReadOnlyList<string> Roles, string? Refusal)
{
    /// <summary>The presented token's id and expiry, when it was accepted.</summary>
    public Guid? TokenId { get; init; }
    public DateTime? ExpiresAt { get; init; }

    public bool Succeeded => User is not null && Refusal is null;
}

/// <summary>API tokens: issued by a user for themselves, with a role subset and an expiry; revocable by the owner or an Admin.</summary>
public sealed class ApiTokens(OpsDbContext db, UserManager<ConsoleUser> users, EventOutbox outbox, TimeProvider clock)
{
    public const int MaxLifetimeDays = 365;
    public const int DefaultLifetimeDays = 30;

    public async Task<IssuedToken> IssueAsync(Actor actor, string? name, IEnumerable<string>? roles, int? expiresInDays, CancellationToken ct = default)
    {
        var owner = await users.FindByNameAsync(actor.Name) ?? throw new NotFoundException($"User '{actor.Name}'");
        name = name?.Trim() ?? "";
        if (name.Length is < 1 or > 100) throw new InvalidInputException("name", "Give the token a name of 1 to 100 characters.");
        var requested = roles?.ToList() ?? [];
        // A narrow scope (alert ingestion) is carried alone: such a token can do that one thing only.
        if (requested.Select(TokenScopes.Find).FirstOrDefault(s => s is not null) is { } scope)
        {
            if (requested.Count != 1) throw new InvalidInputException("roles", $"A {scope} token carries that scope alone, without roles.");
            if (!TokenScopes.IssuerRoles(scope).Any(actor.IsInRole))
                throw new InvalidInputException("roles", $"A {scope} token can be made by {string.Join(" or ", TokenScopes.IssuerRoles(scope))} only.");
            requested = [scope];
        }
        var (known, unknown) = Roles.Parse(requested.Where(r => TokenScopes.Find(r) is null));
        if (TokenScopes.Find(requested.FirstOrDefault()) is { } only) known = [only];
        if (unknown.Count > 0) throw new InvalidInputException("roles", $"Unknown role(s): {string.Join(", ", unknown)}.");
        if (known.Count == 0) throw new InvalidInputException("roles", "Choose at least one role for the token.");
        var notHeld = known.Where(r => !actor.IsInRole(r) && TokenScopes.Find(r) is null).ToList();
        if (notHeld.Count > 0) throw new InvalidInputException("roles", $"A token cannot carry roles you do not hold: {string.Join(", ", notHeld)}.");
        var days = expiresInDays ?? DefaultLifetimeDays;
        if (days is < 1 or > MaxLifetimeDays) throw new InvalidInputException("expiresInDays", $"A token lives 1 to {MaxLifetimeDays} days.");
        var now = clock.GetUtcNow().UtcDateTime;
        var expiresAt = now.AddDays(days);
        // A token creating a token: the new one may not outlive it (its roles are already capped,
        // since the actor's roles are the calling token's). Asked for explicitly: refused; by default: capped.
        if (actor is { ViaToken: true, TokenExpiresAt: { } callerExpiry } && expiresAt > callerExpiry)
        {
            if (expiresInDays is not null)
                throw new InvalidInputException("expiresInDays",
                    $"A token cannot outlive the token that creates it: yours expires {callerExpiry:yyyy-MM-dd HH:mm} UTC, " +
                    $"so ask for at most {Math.Max(0, (int)Math.Floor((callerExpiry - now).TotalDays))} day(s), or leave the expiry out to get your token's.");
            expiresAt = callerExpiry;
        }

        var secret = TokenSecret.New();
        var token = await AddAsync(actor, owner, name, known, secret, TokenSecret.DisplayPrefix(secret), expiresAt, ct);
        return new IssuedToken(Summarise(token), secret);
    }

    /// <summary>
    /// Creates a token with a secret chosen by the operator (OPS_ADMIN_TOKEN on first run). It does not
    /// expire, and it keeps no display prefix: part of a chosen secret may be a password used elsewhere.
    /// </summary>
    public async Task<TokenSummary> ProvisionAsync(Actor actor, ConsoleUser owner, string name, IReadOnlyList<string> roles, string secret, CancellationToken ct = default)
    {
        if (secret.Length < 16) throw new InvalidInputException("token", "A provisioned token must be at least 16 characters long.");
        return Summarise(await AddAsync(actor, owner, name, roles, secret, prefix: "", null, ct));
    }

    private async Task<ApiToken> AddAsync(Actor actor, ConsoleUser owner, string name, IReadOnlyList<string> roles, string secret, string prefix, DateTime? expiresAt, CancellationToken ct)
    {
        var token = new ApiToken
        {
            UserId = owner.Id,
            UserName = owner.UserName!,
            Name = name,
            Prefix = prefix,
            SecretHash = TokenSecret.Hash(secret),
            Roles = string.Join(' ', roles),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = expiresAt,
        };
        db.ApiTokens.Add(token);
        var summary = new { token.Id, token.Name, owner = token.UserName, token.Prefix, roles, token.ExpiresAt };
        AuditTrail.Record(db, actor, "token.create", $"token/{token.Id}", after: summary);
        outbox.Add(db, actor, EventTypes.TokenCreated, $"user/{owner.UserName}", summary);
        await db.SaveChangesAsync(ct);
        return token;
    }

    public async Task<IReadOnlyList<TokenSummary>> ListAsync(Actor actor, bool everyone, CancellationToken ct = default)
    {
        if (everyone) actor.Require("see every user's tokens", Roles.Admin);
        var query = db.ApiTokens.AsNoTracking();
        if (!everyone) query = query.Where(t => t.UserName == actor.Name);
        var tokens = await query.OrderByDescending(t => t.CreatedAt).ToListAsync(ct);
        return tokens.Select(Summarise).ToList();
    }

    public async Task RevokeAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException($"Token {id}");
        if (token.UserName != actor.Name) actor.Require("revoke another user's token", Roles.Admin);
        if (token.RevokedAt is not null) return; // revoking twice changes nothing
        token.RevokedAt = clock.GetUtcNow().UtcDateTime;
        token.RevokedBy = actor.Name;
        AuditTrail.Record(db, actor, "token.revoke", $"token/{token.Id}", before: new { token.Name, owner = token.UserName, token.Prefix });
        outbox.Add(db, actor, EventTypes.TokenRevoked, $"user/{token.UserName}", new { token.Id, token.Name, owner = token.UserName });
        await db.SaveChangesAsync(ct);
    }

    public async Task<TokenCheck> CheckAsync(string secret, CancellationToken ct = default)
    {
        var hash = TokenSecret.Hash(secret);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.SecretHash == hash, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token is null) return new TokenCheck(null, [], "The token is not known.");
        switch (token.StateAt(now))
        {
            case TokenState.Revoked: return new TokenCheck(null, [], "The token was revoked.");
            case TokenState.Expired: return new TokenCheck(null, [], "The token has expired.");
        }
        var user = await users.FindByIdAsync(token.UserId);
        if (user is null) return new TokenCheck(null, [], "The token's user no longer exists.");
        // Only an Admin's "disable" stops tokens. A lockout after failed passwords stops interactive
        // sign-in only: otherwise anyone could switch off automation by guessing wrong five times.
        if (user.IsDisabled()) return new TokenCheck(null, [], "The token's user is disabled.");
        // The token's roles are capped by what its user holds now.
        var held = await users.GetRolesAsync(user);
        var effective = token.RoleList.Where(r => held.Contains(r)
            || (TokenScopes.Find(r) is { } scope && TokenScopes.IssuerRoles(scope).Any(held.Contains))).ToList();
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(ct);
        }
        return new TokenCheck(user, effective, null) { TokenId = token.Id, ExpiresAt = token.ExpiresAt };
    }

    private TokenSummary Summarise(ApiToken t) =>
        new(t.Id, t.Name, t.UserName, t.Prefix, t.RoleList, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, t.StateAt(clock.GetUtcNow().UtcDateTime));
}
