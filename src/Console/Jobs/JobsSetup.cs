using Hangfire;
using Hangfire.Storage.SQLite;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Jobs;

public static class JobsSetup
{
    public static IServiceCollection AddConsoleJobs(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddHangfire(cfg => cfg
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseSQLiteStorage(settings.JobStorePath, new SQLiteStorageOptions
            {
                // Hangfire's default poll is 15 s; webhook deliveries and later orchestration want seconds.
                QueuePollInterval = settings.JobPollInterval,
            }));
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = Math.Max(2, Environment.ProcessorCount);
            o.SchedulePollingInterval = settings.JobPollInterval;
            o.ServerName = settings.InstanceName;
        });
        services.AddSingleton<IWebhookQueue, HangfireWebhookQueue>();
        services.AddTransient<WebhookDeliveryJob>();
        return services;
    }

    public static void ScheduleRecurringJobs(this IServiceProvider services)
    {
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<WebhookDeliveryJob>("webhooks-requeue-overdue", j => j.RequeueOverdueAsync(CancellationToken.None), "*/5 * * * *");
    }
}

/// <summary>Schedules webhook deliveries as Hangfire jobs, through the DI client (no static state).</summary>
public sealed class HangfireWebhookQueue(IBackgroundJobClient jobs) : IWebhookQueue
{
    public void DeliverNow(Guid deliveryId) => jobs.Enqueue<WebhookDeliveryJob>(j => j.AttemptAsync(deliveryId, CancellationToken.None));

    public void DeliverAt(Guid deliveryId, DateTime whenUtc) =>
        jobs.Schedule<WebhookDeliveryJob>(j => j.AttemptAsync(deliveryId, CancellationToken.None), new DateTimeOffset(DateTime.SpecifyKind(whenUtc, DateTimeKind.Utc)));
}

/// <summary>
/// One delivery attempt per job run. Hangfire's own retries are off: the sender schedules the next
/// attempt by the webhook retry policy, which also decides when to give up.
/// </summary>
public sealed class WebhookDeliveryJob(WebhookSender sender)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Webhook delivery {0}")]
    public Task AttemptAsync(Guid deliveryId, CancellationToken ct) => sender.AttemptAsync(deliveryId, ct);

    [AutomaticRetry(Attempts = 0)]
    public Task RequeueOverdueAsync(CancellationToken ct) => sender.RequeueOverdueAsync(TimeSpan.FromMinutes(5), ct);
}
