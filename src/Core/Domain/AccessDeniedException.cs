namespace OpsConsole.Core.Domain;

/// <summary>The caller lacks the role an action needs. Maps to 403 on the API and a readable message in the UI.</summary>
public sealed class AccessDeniedException(string action, IReadOnlyList<string> requiredRoles)
    : DomainException($"You may not {action}: it needs the role {string.Join(" or ", requiredRoles)}.")
{
    public string Action { get; } = action;
    public IReadOnlyList<string> RequiredRoles { get; } = requiredRoles;
}
