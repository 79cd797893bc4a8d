using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using static OpsConsole.Console.Tests.Promotions.PromotionConsoleFactory;

namespace OpsConsole.Console.Tests.Promotions;

/// <summary>A pipeline's Ci token follows its promotion on the events hub (what <c>ops promote --wait</c> does); an ingestion token may not listen.</summary>
public sealed class PromotionHubTests(PromotionConsoleFactory factory) : IClassFixture<PromotionConsoleFactory>
{
    private HubConnection Connect(HttpClient client) => new HubConnectionBuilder()
        .WithUrl(new Uri(factory.Server.BaseAddress, "hubs/events"), o =>
        {
            o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
            o.Transports = HttpTransportType.LongPolling;
            o.AccessTokenProvider = () => Task.FromResult<string?>(client.DefaultRequestHeaders.Authorization!.Parameter);
        })
        .Build();

    [Fact]
    public async Task A_Ci_token_hears_its_promotion_complete_on_the_hub()
    {
        var service = await factory.SeedPipelineAsync();
        var (alice, _) = await factory.UserClientAsync(Roles.ReleaseManager);
        using var ci = await factory.CiClientAsync(alice);
        await using var connection = Connect(ci);
        var completed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>("event", e =>
        {
            if (e.GetProperty("type").GetString() == EventTypes.PromotionCompleted) completed.TrySetResult(e);
        });
        await connection.StartAsync();
        await connection.InvokeAsync<string>("Subscribe", $"{service}/*");

        var id = await RequestAsync(ci, service, "dev");
        var e = await completed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal($"{service}/dev", e.GetProperty("subject").GetString());
        var data = e.GetProperty("data");
        Assert.Equal(id, data.GetProperty("promotionId").GetGuid());
        Assert.Equal(service, data.GetProperty("service").GetString());
        Assert.Equal("1.0.0", data.GetProperty("version").GetString());
        Assert.Equal("dev", data.GetProperty("environment").GetString());
    }

    [Fact]
    public async Task An_alert_ingestion_token_cannot_listen()
    {
        var (_, oncall) = await factory.UserClientAsync(Roles.OnCall);
        var (_, secret) = await oncall.CreateTokenAsync(TokenScopes.AlertIngest);
        using var ingest = factory.CreateTokenClient(secret);
        await using var connection = Connect(ingest);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync());
    }
}
