namespace OpsConsole.Core.Domain;

/// <summary>The request conflicts with the current state. Maps to 409.</summary>
public class ConflictException(string message) : DomainException(message);
