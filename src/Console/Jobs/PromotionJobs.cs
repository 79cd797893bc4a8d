using OpsConsole.Core.Replicas;
using System.Threading.Channels;
using Hangfire;
using OpsConsole.Core.Events;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Console.Jobs;

/// <summary>The minute pass: waiting promotions are evaluated again (soak time and freeze windows move with the clock), deploying ones follow their plan.</summary>
public sealed class PromotionTickJob(IServiceScopeFactory scopes)
{
    public const string Id = "promotions-tick";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(60)]
    [JobDisplayName("Promotions: evaluate gates and follow deployments")]
    public async Task TickAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PromotionDesk>().TickAsync(ct);
    }
}

/// <summary>
/// Moves promotions on between the minute passes: when a release's checks are reported (the
/// release.checks.reported event) its waiting promotions are evaluated again; when a rollout changes,
/// deploying promotions look at their plan. Schedules the minute job at start.
/// </summary>
public sealed class PromotionWatcher(LiveEvents live, RolloutUpdates rollouts, IServiceScopeFactory scopes, IRecurringJobManager recurring, IRolloutLeases leases,
    ILogger<PromotionWatcher> logger) : BackgroundService
{
    private readonly Channel<(string Service, string Version)?> _work = Channel.CreateUnbounded<(string, string)?>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        recurring.AddOrUpdate<PromotionTickJob>(PromotionTickJob.Id, j => j.TickAsync(CancellationToken.None), Cron.Minutely());
        using var checks = live.Subscribe(OnEventAsync);
        using var changes = rollouts.Subscribe(_ => _work.Writer.TryWrite(null));
        try
        {
            // Plans that ended while the console was down, and the periodic follow between rollout notices
            // (a contract batch ends without one).
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            var tick = Task.Run(async () =>
            {
                while (await timer.WaitForNextTickAsync(stoppingToken)) _work.Writer.TryWrite(null);
            }, stoppingToken);
            await foreach (var item in _work.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    // Store-wide work runs once across replicas: on the one holding the cluster lease.
                    if (!await leases.HoldsClusterAsync(stoppingToken)) continue;
                    await using var scope = scopes.CreateAsyncScope();
                    var desk = scope.ServiceProvider.GetRequiredService<PromotionDesk>();
                    if (item is { } r) await desk.ReevaluateAsync(r.Service, r.Version, stoppingToken);
                    else
                    {
                        while (_work.Reader.TryPeek(out var next) && next is null) _work.Reader.TryRead(out _);
                        await desk.FollowDeployingAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Promotions: could not move on");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private Task OnEventAsync(EventEnvelope e)
    {
        if (e.Type != EventTypes.ReleaseChecksReported) return Task.CompletedTask;
        using var doc = System.Text.Json.JsonDocument.Parse(e.DataJson);
        var data = doc.RootElement;
        if (data.ValueKind == System.Text.Json.JsonValueKind.Object
            && data.TryGetProperty("service", out var s) && data.TryGetProperty("version", out var v)
            && s.ValueKind == System.Text.Json.JsonValueKind.String && v.ValueKind == System.Text.Json.JsonValueKind.String)
            _work.Writer.TryWrite((s.GetString()!, v.GetString()!));
        return Task.CompletedTask;
    }
}
