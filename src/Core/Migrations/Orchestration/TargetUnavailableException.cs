using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>A target that cannot be reached or read now. Maps to 409 (the request is fine; the target is not).</summary>
public sealed class TargetUnavailableException(string message) : ConflictException(message);
