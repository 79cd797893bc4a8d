namespace OpsConsole.Core.Access;

/// <summary>
/// A refusal by a domain rule, with a message written for the person who asked. Every page shows it
/// as is and the API maps each kind to its status; anything else is an unexpected error.
/// </summary>
public abstract class DomainException(string message) : Exception(message);

/// <summary>The caller lacks the role an action needs. Maps to 403 on the API and a readable message in the UI.</summary>
public sealed class AccessDeniedException(string action, IReadOnlyList<string> requiredRoles)
    : DomainException($"You may not {action}: it needs the role {string.Join(" or ", requiredRoles)}.")
{
    public string Action { get; } = action;
    public IReadOnlyList<string> RequiredRoles { get; } = requiredRoles;
}

/// <summary>The input is invalid; nothing was written. Maps to 400 with the field errors.</summary>
public sealed class InvalidInputException : DomainException
{
    public InvalidInputException(string message, IDictionary<string, string[]>? errors = null) : base(message)
        => Errors = errors ?? new Dictionary<string, string[]>();

    public InvalidInputException(string field, string message) : this(message, new Dictionary<string, string[]> { [field] = [message] }) { }

    public IDictionary<string, string[]> Errors { get; }
}

/// <summary>The thing named does not exist. Maps to 404.</summary>
public sealed class NotFoundException(string what) : DomainException($"{what} was not found.");

/// <summary>The request conflicts with the current state. Maps to 409.</summary>
public class ConflictException(string message) : DomainException(message);
