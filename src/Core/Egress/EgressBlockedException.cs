namespace OpsConsole.Core.Egress;

/// <summary>A request the console would make to an address it does not call (loopback, private, link-local, metadata...).</summary>
public sealed class EgressBlockedException(string message) : HttpRequestException(message);
