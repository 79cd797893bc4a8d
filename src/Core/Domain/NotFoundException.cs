namespace OpsConsole.Core.Domain;

/// <summary>The thing named does not exist. Maps to 404.</summary>
public sealed class NotFoundException(string what) : DomainException($"{what} was not found.");
