using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Releases;
using static OpsConsole.Core.Tests.Releases.ReleaseFixture;

namespace OpsConsole.Core.Tests.Releases;

public sealed class ServiceCatalogueTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static readonly PipelineStageRequest[] Demo =
    [
        new("dev", [], AutoDeploy: true),
        new("staging", ["unit", "e2e"]),
        new("prod", ["unit", "e2e"], SoakMinutes: 10, RequiredApprovals: 1),
    ];

    [Fact]
    public async Task A_pipeline_is_saved_in_order_and_replaced_as_a_whole()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var catalogue = scope.ServiceProvider.GetRequiredService<ServiceCatalogue>();

        await catalogue.SavePipelineAsync(Manager, "checkout", Demo);
        var saved = await catalogue.PipelineAsync("checkout");
        await catalogue.SavePipelineAsync(Admin, "checkout", [new PipelineStageRequest("staging", ["unit"]), new PipelineStageRequest("prod", ["unit"], RequiredApprovals: 2)]);
        var replaced = await catalogue.PipelineAsync("checkout");

        Assert.Equal(["dev", "staging", "prod"], saved.Select(s => s.Environment));
        Assert.Equal([0, 1, 2], saved.Select(s => s.Order));
        Assert.True(saved[0].AutoDeploy);
        Assert.Equal(["unit", "e2e"], saved[2].RequiredCheckNames);
        Assert.Equal((10, 1), (saved[2].SoakMinutes, saved[2].RequiredApprovals));
        Assert.Equal(["staging", "prod"], replaced.Select(s => s.Environment));
        await using var db = store.NewContext();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Action == "pipeline.save"));
    }

    public static TheoryData<PipelineStageRequest[]> BadPipelines => new()
    {
        new PipelineStageRequest[] { new("moon", []) },
        new PipelineStageRequest[] { new("dev", []), new("dev", []) },
        new PipelineStageRequest[] { new("dev", []), new("staging", [], AutoDeploy: true) },
        new PipelineStageRequest[] { new("dev", [], SoakMinutes: 5) },
        new PipelineStageRequest[] { new("dev", ["Unit Tests"]) },
        new PipelineStageRequest[] { new("dev", [], RequiredApprovals: -1) },
        new PipelineStageRequest[] { new("dev", [], AnalysisTemplate: "no-such-template") },
    };

    [Theory]
    [MemberData(nameof(BadPipelines))]
    public async Task A_pipeline_that_does_not_fit_the_service_is_refused_and_the_old_one_stays(PipelineStageRequest[] stages)
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var catalogue = scope.ServiceProvider.GetRequiredService<ServiceCatalogue>();
        await catalogue.SavePipelineAsync(Manager, "checkout", Demo);

        await Assert.ThrowsAsync<InvalidInputException>(() => catalogue.SavePipelineAsync(Manager, "checkout", stages));

        Assert.Equal(3, (await catalogue.PipelineAsync("checkout")).Count);
    }

    [Fact]
    public async Task Profiles_keep_owner_repository_and_runbooks_and_need_an_editor()
    {
        await using var store = await CreateAsync(_clock);
        await using var scope = store.Scope();
        var catalogue = scope.ServiceProvider.GetRequiredService<ServiceCatalogue>();

        await Assert.ThrowsAsync<AccessDeniedException>(() => catalogue.SaveProfileAsync(Responder, "checkout", new ServiceProfileRequest("team", null, null)));
        await Assert.ThrowsAsync<InvalidInputException>(() => catalogue.SaveProfileAsync(Manager, "checkout", new ServiceProfileRequest("team", "javascript:alert(1)", null)));
        await Assert.ThrowsAsync<NotFoundException>(() => catalogue.SaveProfileAsync(Manager, "unknown", new ServiceProfileRequest("team", null, null)));
        var saved = await catalogue.SaveProfileAsync(Manager, "checkout", new ServiceProfileRequest("payments-team", "https://git.example.test/shop/checkout", ["high-error-rate", "high-error-rate"]));

        Assert.Equal("payments-team", saved.Owner);
        Assert.Equal("high-error-rate", saved.Runbooks);
        await Assert.ThrowsAsync<AccessDeniedException>(() => catalogue.SavePipelineAsync(Viewer, "checkout", Demo));
    }
}
