using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Rollouts;

/// <summary>A second rollout for a target that already has one in flight. Maps to 409 with the running one's id.</summary>
public sealed class RolloutInProgressException(Guid runningId, string target)
    : ConflictException($"A rollout of {target} is already in flight ({runningId}); abort it or wait for it to finish.")
{
    public Guid RunningId { get; } = runningId;
}
