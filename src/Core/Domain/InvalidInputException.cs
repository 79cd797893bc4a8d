namespace OpsConsole.Core.Domain;

/// <summary>The input is invalid; nothing was written. Maps to 400 with the field errors.</summary>
public sealed class InvalidInputException : DomainException
{
    public InvalidInputException(string message, IDictionary<string, string[]>? errors = null) : base(message)
        => Errors = errors ?? new Dictionary<string, string[]>();

    public InvalidInputException(string field, string message) : this(message, new Dictionary<string, string[]> { [field] = [message] }) { }

    public IDictionary<string, string[]> Errors { get; }
}
