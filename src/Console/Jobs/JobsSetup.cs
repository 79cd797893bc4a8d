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
