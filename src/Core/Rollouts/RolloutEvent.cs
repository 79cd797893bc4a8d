namespace OpsConsole.Core.Rollouts;

/// <summary>A domain event a tick produced; the caller writes it to the outbox with the tick's changes.</summary>
public sealed record RolloutEvent(string Type, object Data);
