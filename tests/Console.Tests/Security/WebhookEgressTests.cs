using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Tests.Security;

/// <summary>A console with the default egress policy and a loopback server standing for the internal service an attacker aims at.</summary>
public sealed class DefaultEgressWebhookConsole : IAsyncLifetime
{
    public ConsoleFactory Factory { get; } = ConsoleFactory.With(new Dictionary<string, string?> { ["OPS_EGRESS_ALLOW"] = "" });
    public EgressTestServer Target { get; private set; } = default!;

    public async Task InitializeAsync() => Target = await EgressTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Target.DisposeAsync();
        await Factory.DisposeAsync();
    }
}

/// <summary>Webhooks cannot be aimed at the host or its networks: not by address, not by a name that resolves there, not by a redirect.</summary>
public sealed class WebhookEgressTests(DefaultEgressWebhookConsole fx) : IClassFixture<DefaultEgressWebhookConsole>
{
    [Theory]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://172.20.1.1/hook")]
    [InlineData("https://192.168.0.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://127.0.0.1:{port}/hook")]
    [InlineData("http://[::1]:{port}/hook")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    public async Task A_webhook_to_a_private_loopback_or_metadata_address_is_refused_and_not_stored(string url)
    {
        using var admin = fx.Factory.CreateAdminClient();
        var name = Names.Unique("hook");
        var response = await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name, url = url.Replace("{port}", fx.Target.Port.ToString()), eventTypes = new[] { "deploy.*" } }, TestApi.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("OPS_EGRESS_ALLOW", (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("url")[0].GetString());
        Assert.Equal(0, await fx.Factory.WithStoreAsync(db => db.Webhooks.CountAsync(w => w.Name == name)));
        Assert.Empty(fx.Target.Requests);
    }

    [Fact]
    public async Task A_webhook_on_a_name_that_resolves_to_loopback_is_never_delivered_to()
    {
        using var admin = fx.Factory.CreateAdminClient();
        var created = await (await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name = Names.Unique("hook"), url = $"http://localhost:{fx.Target.Port}/hook", eventTypes = new[] { "test.never" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var id = created.GetProperty("webhook").GetProperty("id").GetGuid();

        await admin.PostAsync($"/api/v1/webhooks/{id}/ping", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var delivery = await WaitForAttemptAsync(admin, id);

        Assert.Contains("blocked", delivery.GetProperty("lastError").GetString());
        Assert.Equal((int)DeliveryStatus.Pending, delivery.GetProperty("status").GetInt32()); // retried later, and refused again then
        Assert.Empty(fx.Target.Requests);
    }

    internal static async Task<JsonElement> WaitForAttemptAsync(HttpClient admin, Guid webhookId)
    {
        JsonElement delivery = default;
        await Wait.UntilAsync(async () =>
        {
            var deliveries = await (await admin.GetAsync($"/api/v1/webhooks/{webhookId}/deliveries")).ReadJsonAsync();
            if (deliveries.GetArrayLength() == 0) return false;
            delivery = deliveries[0];
            return delivery.GetProperty("attempts").GetInt32() > 0;
        }, "the first delivery attempt");
        return delivery;
    }
}

/// <summary>An allowlisted receiver that answers with a redirect to an internal address: the redirect is not followed.</summary>
public sealed class WebhookRedirectTests
{
    [Theory]
    [InlineData(StatusCodes.Status307TemporaryRedirect)]
    [InlineData(StatusCodes.Status302Found)]
    public async Task A_redirect_from_an_allowed_receiver_to_loopback_is_not_followed(int status)
    {
        await using var target = await EgressTestServer.StartAsync();
        await using var receiver = await EgressTestServer.RedirectingTo($"{target.BaseUrl}/steal", status);
        // The receiver is allowed (as an Admin allowlists a server they run); the target it points to is not.
        await using var factory = ConsoleFactory.With(new Dictionary<string, string?> { ["OPS_EGRESS_ALLOW"] = $"127.0.0.1:{receiver.Port}" });
        using var admin = factory.CreateAdminClient();
        var created = await (await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name = Names.Unique("hook"), url = $"{receiver.BaseUrl}/hook", eventTypes = new[] { "test.never" } }, TestApi.Json)
            .EnsureStatusAsync(HttpStatusCode.Created)).ReadJsonAsync();
        var id = created.GetProperty("webhook").GetProperty("id").GetGuid();

        await admin.PostAsync($"/api/v1/webhooks/{id}/ping", null).EnsureStatusAsync(HttpStatusCode.Accepted);
        var delivery = await WebhookEgressTests.WaitForAttemptAsync(admin, id);

        Assert.Equal(status, delivery.GetProperty("lastStatusCode").GetInt32());
        Assert.Contains("redirects are not followed", delivery.GetProperty("lastError").GetString());
        Assert.Equal(["POST /hook"], receiver.Requests);
        Assert.Empty(target.Requests);
    }
}
