using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using OpsConsole.Console;
using OpsConsole.Console.Api;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Components;
using OpsConsole.Console.Hosting;
using OpsConsole.Console.Hubs;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.Access;
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

builder.AddConsoleTelemetry(settings);
// Data-protection keys (optionally encrypted with OPS_KEYS_CERT), forwarded headers, rate limits, antiforgery.
var security = builder.Services.AddConsoleSecurity(builder.Configuration, settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddConsoleStore(settings);
builder.Services.AddConsoleAuth(builder.Configuration);
builder.Services.AddConsoleAccess();
builder.Services.AddConsoleJobs(settings);
builder.Services.AddConsoleEgress(settings);
builder.Services.AddConsoleEvents(settings);
builder.Services.AddConsoleCluster(builder.Configuration, settings);
builder.Services.AddConsoleRollouts(settings);
builder.Services.AddConsoleMigrations(builder.Configuration);
builder.Services.AddConsoleIncidents(builder.Configuration);
builder.Services.AddConsoleAlerting();
builder.Services.AddConsoleOnCall(builder.Configuration);
builder.Services.AddConsoleRunbooks(builder.Configuration, builder.Environment);
builder.Services.AddConsoleReleases();
builder.Services.AddConsoleDora(builder.Configuration);
builder.Services.AddConsoleFatigue(builder.Configuration);
builder.Services.AddConsolePromotions();
builder.Services.AddConsoleMetrics();
builder.Services.AddConsoleDrills();
builder.Services.AddConsoleSlos();
builder.Services.AddConsoleGameDays();
builder.Services.AddConsoleWeb();

var app = builder.Build();
var startup = new StartupPhases(app.Logger);
startup.Done("host built");

await app.Services.MigrateStoreAsync();
startup.Done("store migrated");
await using (var scope = app.Services.CreateAsyncScope())
    await scope.ServiceProvider.GetRequiredService<FirstRun>().EnsureAsync(settings.AdminPassword, settings.AdminToken);
startup.Done("first run checked");
await app.Services.SeedDemoAsync(settings);
app.Services.ScheduleRecurringJobs();
startup.Done("seeded and jobs scheduled");

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
api.MapClustersApi();
api.MapServicesApi();
api.MapAnalysisTemplatesApi();
api.MapMigrationsApi();
api.MapIncidentsApi();
api.MapGameDaysApi();
api.MapAlertingApi();
app.MapAlertIngestionApi(); // outside the group: ingestion-only tokens hold no Read role
api.MapOnCallApi();
api.MapRunbooksApi();
api.MapDoraApi();
api.MapMetricsApi();
api.MapDrillsApi();
api.MapAlertFatigueApi();
api.MapSlosApi();
app.MapReleasesApi(); // CI routes open to a Ci token (Pipeline policy); the rest under Read
app.MapPromotionsApi(); // outside the group: Ci tokens hold no Read role
app.MapFallback("/api/{**rest}", (HttpContext ctx) => Results.Problem(statusCode: 404, title: "Not found",
    detail: $"There is no API route {ctx.Request.Method} {ctx.Request.Path}. The OpenAPI document at /openapi/v1.json lists them.")).AllowAnonymous();

app.MapHub<EventsHub>(EventsHub.Path);
app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], DashboardTitle = "OpsConsole jobs", AppPath = "/" })
    .RequireAuthorization(Policies.Admin);
app.MapAccountEndpoints();
app.MapPageAckLinks();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Lifetime.ApplicationStarted.Register(() => startup.Done("started"));
app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("OpsConsole is ready at {Urls} (data in {DataDir})", string.Join(", ", app.Urls), settings.DataDirectory));

app.Run();
