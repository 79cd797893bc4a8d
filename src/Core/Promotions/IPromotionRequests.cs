using OpsConsole.Core.Access;

namespace OpsConsole.Core.Promotions;

/// <summary>What a promotion request answers: its id and where it stands (WaitingForGates, AwaitingApproval, Deploying, ...).</summary>
public sealed record PromotionTicket(Guid Id, string Status);

/// <summary>
/// Asks for a release to be deployed to an environment of its service's pipeline. The promotion
/// waits for its gates and proceeds by itself once they pass. Used by the API and the UI, and by
/// release registration for a first stage that deploys automatically.
/// </summary>
public interface IPromotionRequests
{
    /// <exception cref="Domain.NotFoundException">The release or the stage does not exist.</exception>
    /// <exception cref="Domain.ConflictException">A promotion is already in flight for the service and environment, or the release is rejected for this pipeline.</exception>
    Task<PromotionTicket> RequestAsync(Actor actor, string service, string version, string environment, CancellationToken ct = default);
}
