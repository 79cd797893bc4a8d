namespace OpsConsole.Core.Access;

/// <summary>The caller lacks the role an action needs. Maps to 403 on the API and a readable message in the UI.</summary>
public sealed class AccessDeniedException(string action, IReadOnlyList<string> requiredRoles)
    : Exception($"You may not {action}: it needs the role {string.Join(" or ", requiredRoles)}.")
{
    public string Action { get; } = action;
    public IReadOnlyList<string> RequiredRoles { get; } = requiredRoles;
}

/// <summary>The input is invalid; nothing was written. Maps to 400 with the field errors.</summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message, IDictionary<string, string[]>? errors = null) : base(message)
        => Errors = errors ?? new Dictionary<string, string[]>();

    public InvalidInputException(string field, string message) : this(message, new Dictionary<string, string[]> { [field] = [message] }) { }

    public IDictionary<string, string[]> Errors { get; }
}

/// <summary>The thing named does not exist. Maps to 404.</summary>
public sealed class NotFoundException(string what) : Exception($"{what} was not found.");

/// <summary>The request conflicts with the current state. Maps to 409.</summary>
public class ConflictException(string message) : Exception(message);
