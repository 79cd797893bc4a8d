using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using MudBlazor.Services;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OpsConsole.Console;
using OpsConsole.Console.Api;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Components;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Hubs;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
if (!File.Exists(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json")))
{
    // Started from another folder (e.g. `dotnet path/to/OpsConsole.Console.dll`): read the settings
    // beside the binaries, with the lowest precedence so environment variables and arguments still win.
    builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
    {
        FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory), Path = "appsettings.json", Optional = true,
    });
}

// Serve framework and library static assets (blazor.web.js, MudBlazor) also when started outside
// the launch profile, e.g. `dotnet bin/.../OpsConsole.Console.dll` in Production.
builder.WebHost.UseStaticWebAssets();
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
    builder.WebHost.UseUrls("http://localhost:5080");

var settings = ConsoleSettings.From(builder.Configuration);
builder.Services.AddSingleton(settings);
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes);

// Telemetry: traces, metrics (scraped at /metrics) and logs; OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set.
var otel = builder.Services.AddOpenTelemetry()
    .ConfigureResource(r => r.AddService("opsconsole", serviceInstanceId: settings.InstanceName))
    .WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/_blazor"))
        .AddSource(ConsoleTelemetry.SourceName))
    .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddRuntimeInstrumentationIfAvailable()
        .AddMeter(ConsoleTelemetry.MeterName).AddPrometheusExporter());
builder.Logging.AddOpenTelemetry(o => { o.IncludeScopes = true; o.IncludeFormattedMessage = true; });
if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
// Request-start lines carry the full URL, and a hub client in a browser sends its token as ?access_token=:
// keep them out of the logs whatever the configured level (traces carry requests, with the query redacted).
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
builder.Logging.AddSimpleConsole(o => { o.IncludeScopes = true; o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });

// Data-protection keys (optionally encrypted with OPS_KEYS_CERT), forwarded headers, rate limits, antiforgery.
var security = builder.Services.AddConsoleSecurity(builder.Configuration, settings);
builder.Services.AddConsoleStore(settings);
builder.Services.AddConsoleAuth(builder.Configuration);
builder.Services.AddConsoleJobs(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpClient(WebhookSender.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
builder.Services.AddConsoleEgress(settings);

// Core capabilities.
builder.Services.AddSingleton(EventSource.ForInstance(settings.InstanceName));
builder.Services.AddSingleton<EventOutbox>();
builder.Services.AddSingleton<LiveEvents>();
builder.Services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<LiveEvents>());
builder.Services.AddSingleton<IEventSink, HubEventSink>();
builder.Services.AddSingleton<IEventSink, WebhookSink>();
builder.Services.AddSingleton<OutboxRelay>();
builder.Services.AddHostedService<OutboxRelayService>();
builder.Services.AddSingleton<WebhookSecrets>();
builder.Services.AddSingleton<WebhookSender>();
builder.Services.AddScoped<UserDirectory>();
builder.Services.AddScoped<ApiTokens>();
builder.Services.AddScoped<WebhookRegistry>();
builder.Services.AddScoped<FirstRun>();
builder.Services.AddSingleton(OperatorNotice.StandardOutput); // the generated first-run password: stdout only, never the logs
builder.Services.AddScoped<ConsoleSignIn>();
builder.Services.AddConsoleRollouts(settings);
builder.Services.AddConsoleMigrations(builder.Configuration);

builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024);
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
    ctx.ProblemDetails.Extensions["correlationId"] = CorrelationId.Of(ctx.HttpContext));
builder.Services.AddExceptionHandler<DomainExceptionHandler>();
builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
{
    doc.Info.Title = "OpsConsole API";
    doc.Info.Description = "Deployment and operations console. Authenticate with 'Authorization: Bearer <token>' (create tokens under Settings > API tokens).";
    return Task.CompletedTask;
}));
builder.Services.AddHealthChecks()
    .AddCheck<StoreReadyCheck>("store", tags: ["ready"])
    .AddCheck<JobServerReadyCheck>("jobs", tags: ["ready"]);

var app = builder.Build();

await app.Services.MigrateStoreAsync();
await using (var scope = app.Services.CreateAsyncScope())
    await scope.ServiceProvider.GetRequiredService<FirstRun>().EnsureAsync(settings.AdminPassword, settings.AdminToken);
await app.Services.SeedDemoAsync(settings);
app.Services.ScheduleRecurringJobs();

app.UseConsoleEdge(security);
app.UseCorrelationId();
app.UseExceptionHandler();
app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments("/api"), api =>
{
    api.UseRequestBodyLimit(settings.MaxRequestBodyBytes);
    api.UseStatusCodePages(); // empty 400/401/404/405 answers become problem details
});
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseApiProofOfIntent();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapOpenApi("/openapi/{documentName}.json");
// Nothing from other hosts: no CDN fonts, no telemetry, no hosted agent; the script runs by a per-request CSP nonce.
app.MapScalarApiReference("/api-reference", o => o.WithTitle("OpsConsole API").WithOpenApiRoutePattern("/openapi/{documentName}.json")
    .DisableDefaultFonts().DisableTelemetry().DisableAgent().DisableMcp().WithNonce());

var api = app.MapGroup("/api/v1").RequireAuthorization(Policies.Read);
api.MapMeApi();
api.MapUsersApi();
api.MapTokensApi();
api.MapAuditApi();
api.MapWebhooksApi();
api.MapEventsApi();
api.MapRolloutsApi();
api.MapServicesApi();
api.MapAnalysisTemplatesApi();
api.MapMigrationsApi();
app.MapFallback("/api/{**rest}", (HttpContext ctx) => Results.Problem(statusCode: 404, title: "Not found",
    detail: $"There is no API route {ctx.Request.Method} {ctx.Request.Path}. The OpenAPI document at /openapi/v1.json lists them.")).AllowAnonymous();

app.MapHub<EventsHub>(EventsHub.Path);
app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], DashboardTitle = "OpsConsole jobs", AppPath = "/" })
    .RequireAuthorization(Policies.Admin);
app.MapAccountEndpoints();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("OpsConsole is ready at {Urls} (data in {DataDir})", string.Join(", ", app.Urls), settings.DataDirectory));

app.Run();
