using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Events;

/// <summary>A script subscribed on the hub hears about changes as they commit, as CloudEvents.</summary>
public sealed class LiveEventsHubTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private async Task<HubConnection> ConnectAsync(string token)
    {
        var server = factory.Server;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/events"), o =>
            {
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    [Fact]
    public async Task A_subscriber_to_user_star_receives_user_created_as_a_CloudEvent()
    {
        using var admin = factory.CreateAdminClient();
        var (_, viewerToken) = await admin.CreateTokenAsync(Roles.Viewer);
        await using var connection = await ConnectAsync(viewerToken);
        var received = new List<JsonElement>();
        var created = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? expectedSubject = null;
        connection.On<JsonElement>("event", e =>
        {
            lock (received) received.Add(e);
            if (e.GetProperty("type").GetString() == "user.created" && e.GetProperty("subject").GetString() == Volatile.Read(ref expectedSubject))
                created.TrySetResult(e);
        });
        Assert.Equal("s:user/*", await connection.InvokeAsync<string>("Subscribe", "user/*"));

        var userName = Names.Unique("live");
        Volatile.Write(ref expectedSubject, $"user/{userName}");
        using (var response = await admin.PostAsync("/api/v1/users", System.Net.Http.Json.JsonContent.Create(
                   new { userName, password = Names.Password(), roles = new[] { Roles.OnCall } }, options: TestApi.Json)))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var e = await created.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("1.0", e.GetProperty("specversion").GetString());
        Assert.Equal("user.created", e.GetProperty("type").GetString());
        Assert.Equal($"user/{userName}", e.GetProperty("subject").GetString());
        Assert.Equal(userName, e.GetProperty("data").GetProperty("userName").GetString());
        var id = e.GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        // The id is the outbox row's: receivers use it to drop repeats.
        var stored = await factory.WithStoreAsync(db => db.OutboxEvents.AsNoTracking().SingleAsync(o => o.Id == id));
        Assert.Equal($"user/{userName}", stored.Subject);
        // Only subjects under user/ were delivered (the token.created event of the viewer token was before subscribing; none other match).
        lock (received) Assert.All(received, ev => Assert.StartsWith("user/", ev.GetProperty("subject").GetString()));
    }

    [Fact]
    public async Task A_subscriber_to_one_subject_does_not_receive_events_about_others()
    {
        using var admin = factory.CreateAdminClient();
        var mine = Names.Unique("mine");
        var other = Names.Unique("other");
        await using var connection = await ConnectAsync(factory.AdminToken);
        var subjects = new List<string>();
        var gotMine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>("event", e =>
        {
            var subject = e.GetProperty("subject").GetString()!;
            lock (subjects) subjects.Add(subject);
            if (subject == $"user/{mine}") gotMine.TrySetResult();
        });
        await connection.InvokeAsync<string>("Subscribe", $"user/{mine}");

        // The other user is created first: if it were delivered, it would arrive before ours.
        foreach (var name in new[] { other, mine })
            using (var r = await admin.PostAsync("/api/v1/users", System.Net.Http.Json.JsonContent.Create(
                       new { userName = name, password = Names.Password(), roles = new[] { Roles.Viewer } }, options: TestApi.Json)))
                Assert.Equal(HttpStatusCode.Created, r.StatusCode);

        await gotMine.Task.WaitAsync(TimeSpan.FromSeconds(20));
        lock (subjects) Assert.Equal([$"user/{mine}"], subjects);
    }
}
