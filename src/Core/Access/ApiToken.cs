namespace OpsConsole.Core.Access;

/// <summary>
/// A bearer token for the API and the hub. Only the SHA-256 of the secret is stored; the secret is
/// shown once when the token is created. Its roles are a subset of its owner's, checked again at
/// every use so a user who loses a role cannot keep it through an old token.
/// </summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string UserId { get; set; }
    public required string UserName { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the secret, so people can tell their tokens apart.</summary>
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }
    /// <summary>Space-separated role names.</summary>
    public required string Roles { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
    public DateTime? LastUsedAt { get; set; }

    public IReadOnlyList<string> RoleList => Roles.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public TokenState StateAt(DateTime now) =>
        RevokedAt is not null ? TokenState.Revoked
        : ExpiresAt is { } e && e <= now ? TokenState.Expired
        : TokenState.Active;
}

public enum TokenState { Active, Expired, Revoked }
