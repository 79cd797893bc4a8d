using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Promotions;
using OpsConsole.Core.Releases;
using OpsConsole.Core.Rollouts;

namespace OpsConsole.Console.Tests.Promotions;

/// <summary>Promotions seeded for tests on any console (e.g. the role matrix): straight into the store, requested by a pipeline that is not the admin.</summary>
public static class PromotionSeeds
{
    public const string Pipeline = "matrix-pipeline";

    /// <summary>A service with release 1.0.0 and one stage, dev, needing one approval (idempotent per name).</summary>
    public static Task SeedServiceAsync(ConsoleFactory factory, string service, bool rejected = false) => factory.WithStoreAsync(async db =>
    {
        if (await db.Releases.AnyAsync(r => r.Service == service)) return 0;
        var now = DateTime.UtcNow;
        var release = new Release
        {
            Service = service, Version = "1.0.0", CommitSha = "abc", RegisteredBy = "ci", RegisteredAt = now, CommitTime = now, ContentHash = service,
        };
        db.Releases.Add(release);
        db.PipelineStages.Add(new PipelineStage { Service = service, Environment = "dev", Order = 0, RequiredApprovals = 1, UpdatedAt = now });
        db.DeployTargets.Add(new DeployTarget
        {
            Service = service, Environment = "dev", DefaultStrategyJson = """{"canary":{"steps":[{"pause":{}}]}}""", CreatedAt = now, UpdatedAt = now,
        });
        if (rejected)
            db.ReleaseEnvironments.Add(new ReleaseEnvironment
            {
                ReleaseId = release.Id, Service = service, Version = "1.0.0", Environment = "dev", RejectedForPipeline = true, RejectedReason = "test", RejectedAt = now,
            });
        return await db.SaveChangesAsync();
    });

    /// <summary>A fresh promotion awaiting one approval, requested by <see cref="Pipeline"/>; returns its id.</summary>
    public static async Task<Guid> AwaitingApprovalAsync(ConsoleFactory factory)
    {
        var service = Names.Unique("promo");
        await SeedServiceAsync(factory, service);
        await using var scope = factory.Services.CreateAsyncScope();
        var ticket = await scope.ServiceProvider.GetRequiredService<PromotionDesk>()
            .RequestAsync(new Actor(Pipeline, new HashSet<string> { TokenScopes.Ci }, "test"), service, "1.0.0", "dev");
        return ticket.Id;
    }
}
