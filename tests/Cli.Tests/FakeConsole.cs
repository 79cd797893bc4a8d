using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Cli.Tests;

/// <summary>
/// A stand-in console on a loopback port that answers the API routes the CLI calls from a script, and
/// records what it was sent: for exit codes and error output that a real console reaches only slowly
/// (a rollback, a timeout). It has no event hub, so the CLI follows promotions by polling.
/// </summary>
public sealed class FakeConsole : IAsyncDisposable
{
    public const string Token = "opc_fake_token_0123456789abcdef";
    private readonly WebApplication _app;

    /// <summary>Statuses (with gates and message) GET /promotions/{id} answers in turn; the last repeats.</summary>
    public ConcurrentQueue<object> Promotion { get; } = new();
    private object? _lastPromotion;

    /// <summary>Answers for POST routes by path; absent: 201 {}.</summary>
    public ConcurrentDictionary<string, (int Status, object Body)> Answers { get; } = new();
    public ConcurrentQueue<(string Method, string PathAndQuery, string? ContentType, string Body, string? Authorization)> Requests { get; } = new();

    public string Url { get; }

    private FakeConsole(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<FakeConsole> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeConsole? self = null;
        app.Use(async (ctx, next) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            self!.Requests.Enqueue((ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString, ctx.Request.ContentType, body, ctx.Request.Headers.Authorization.ToString()));
            if (ctx.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
            {
                await Results.Problem(statusCode: 401, title: "Unauthorized").ExecuteAsync(ctx);
                return;
            }
            await next(ctx);
        });
        app.MapGet("/api/v1/promotions/{id}", (string id) =>
        {
            if (self!.Promotion.TryDequeue(out var next)) self._lastPromotion = next;
            return Results.Json(self._lastPromotion ?? new { id, status = "WaitingForGates", gates = Array.Empty<object>() });
        });
        app.MapGet("/api/v1/{**rest}", (HttpContext ctx) => self!.Answer("GET " + ctx.Request.Path));
        app.MapPost("/api/v1/{**rest}", (HttpContext ctx) => self!.Answer("POST " + ctx.Request.Path));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeConsole(app, address.TrimEnd('/'));
        return self;
    }

    private IResult Answer(string key) => Answers.TryGetValue(key, out var a)
        ? a.Status >= 400 ? Results.Json(a.Body, statusCode: a.Status, contentType: "application/problem+json") : Results.Json(a.Body, statusCode: a.Status)
        : Results.Json(new { }, statusCode: 201);

    public static object View(string status, string message = "", params (string Name, bool Passed, string Reason)[] gates) => new
    {
        id = "11111111-2222-3333-4444-555555555555", service = "checkout", version = "1.4.2", environment = "prod", status, message,
        gates = gates.Select(g => new { name = g.Name, passed = g.Passed, reason = g.Reason }).ToArray(),
        approvals = Array.Empty<object>(),
    };

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
