using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Egress;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Orchestration;

namespace OpsConsole.Core.Runbooks.Actions;

/// <summary>
/// GETs a URL through the console's egress policy (the one way out: no loopback, private or metadata
/// address unless an Admin allowed it, no redirects, no proxy) and reports the status and latency.
/// </summary>
public sealed class HttpCheckRunbookAction(IHttpClientFactory clients, EgressPolicy policy) : IRunbookAction
{
    public const string HttpClientName = "runbook-http-check";

    public string Name => "http.check";

    public string Describe(RunbookActionArguments arguments)
    {
        var url = Read(arguments);
        var expect = arguments.Get("expect");
        return $"GET {SafeUrl.SchemeAndHost(url.ToString())}{url.AbsolutePath} and report the status and latency{(expect is null ? "" : $" (expect {expect})")}.";
    }

    public void Validate(RunbookActionArguments arguments)
    {
        var url = Read(arguments);
        policy.CheckUrl(url, "url");
        if (arguments.Get("expect") is { } e && !(int.TryParse(e, out var code) && code is >= 100 and <= 599))
            throw new InvalidInputException("expect", $"'expect' is an HTTP status code (100-599), not '{e}'.");
    }

    private static Uri Read(RunbookActionArguments arguments)
    {
        var text = arguments.Require("url");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.UserInfo))
            throw new InvalidInputException("url", $"'{text}' is not an http(s) URL without credentials.");
        return url;
    }

    public async Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct)
    {
        actor.Require("run HTTP checks", Roles.OnCall, Roles.Admin);
        Validate(arguments);
        var url = Read(arguments);
        var expect = arguments.Get("expect") is { } e ? int.Parse(e, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        var client = clients.CreateClient(HttpClientName);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            watch.Stop();
            var status = (int)response.StatusCode;
            var ok = expect is { } x ? status == x : response.IsSuccessStatusCode;
            return new RunbookActionOutcome(ok, $"GET {SafeUrl.SchemeAndHost(url.ToString())}{url.AbsolutePath}: {status} {response.ReasonPhrase} in {watch.ElapsedMilliseconds} ms" +
                                                (ok ? "." : expect is { } want ? $"; expected {want}." : "; not a success status."),
                JsonSerializer.SerializeToElement(new { status, latencyMs = watch.ElapsedMilliseconds }));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or EgressBlockedException or IOException)
        {
            var refused = ex is EgressBlockedException || ex.InnerException is EgressBlockedException;
            return new RunbookActionOutcome(false, (refused ? "Refused: " : "Failed: ") + SafeUrl.Scrub(EgressPolicy.Describe(ex), url.ToString()));
        }
    }
}

/// <summary>Starts a migration dry-run for a service and environment through the migration coordinator (same roles and approvals as the migrations page).</summary>
public sealed class MigrationDryRunRunbookAction(IServiceScopeFactory scopes) : IRunbookAction
{
    public string Name => "migration.dryrun";

    public string Describe(RunbookActionArguments arguments) => $"Start a migration dry-run of the pending changes of {TargetArguments.Read(arguments)}.";

    public void Validate(RunbookActionArguments arguments) => TargetArguments.Read(arguments);

    public async Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct)
    {
        var target = TargetArguments.Read(arguments);
        actor.Require("dry-run migrations", MigrationRoles.Run);
        await using var scope = scopes.CreateAsyncScope();
        var batch = await scope.ServiceProvider.GetRequiredService<MigrationCoordinator>()
            .RequestAsync(actor, target.Service, target.Environment, new MigrationBatchRequest(MigrationRunKind.DryRun), ct);
        return new RunbookActionOutcome(true, $"Migration dry-run {batch.Id} for {target}: {batch.Status}.",
            JsonSerializer.SerializeToElement(new { batchId = batch.Id, service = target.Service, environment = target.Environment, status = batch.Status.ToString() }));
    }
}
