namespace OpsConsole.Core.Domain;

/// <summary>
/// A refusal by a domain rule, with a message written for the person who asked. Every page shows it
/// as is and the API maps each kind to its status; anything else is an unexpected error.
/// </summary>
public abstract class DomainException(string message) : Exception(message);
