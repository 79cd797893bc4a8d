using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Console.Tests.Security;

/// <summary>
/// A real HTTP server on a loopback port that records every request it gets and answers as told:
/// the target an attacker aims the console at (it must get nothing), or an allowed receiver.
/// </summary>
public sealed class EgressTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();

    private EgressTestServer(WebApplication app) => _app = app;

    /// <summary>"METHOD /path?query" of every request received, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];
    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Starts a server whose answer to each request is <paramref name="answer"/> (default: 200 with {"value":0.01}).</summary>
    public static async Task<EgressTestServer> StartAsync(Func<HttpContext, Task>? answer = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new EgressTestServer(app);
        app.Run(async ctx =>
        {
            server._requests.Enqueue($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}");
            if (answer is not null) await answer(ctx);
            else
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("""{"value":0.01}""");
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        return server;
    }

    /// <summary>A server that redirects every request to <paramref name="location"/>.</summary>
    public static Task<EgressTestServer> RedirectingTo(string location, int status = StatusCodes.Status307TemporaryRedirect) =>
        StartAsync(ctx =>
        {
            ctx.Response.StatusCode = status;
            ctx.Response.Headers.Location = location;
            return Task.CompletedTask;
        });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
