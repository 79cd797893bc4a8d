using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using OpsConsole.Console.Hosting;
using OpsConsole.Core.Events.Webhooks;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Jobs;

public static class JobsSetup
{
    public static IServiceCollection AddConsoleJobs(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddHangfire(cfg =>
        {
            cfg.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (settings.Store == StoreKind.Postgres)
            {
                // Beside the store, in a schema of its own: every replica's job server fetches from the same
                // queues, and a job is taken by one fetch (row locks), so each job runs once across replicas.
                cfg.UsePostgreSqlStorage(pg => pg.UseNpgsqlConnection(settings.StoreConnection!), new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = settings.JobPollInterval,
                    // A job fetched by a replica that dies is fetched again after this; the sliding timeout
                    // keeps it longer for jobs still running (a long migration), so none runs twice.
                    InvisibilityTimeout = TimeSpan.FromMinutes(1),
                    UseSlidingInvisibilityTimeout = true,
                });
            }
            else
            {
                cfg.UseSQLiteStorage(settings.JobStorePath, new SQLiteStorageOptions
                {
                    // Hangfire's default poll is 15 s; webhook deliveries and later orchestration want seconds.
                    QueuePollInterval = settings.JobPollInterval,
                });
            }
        });
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
        // Every minute, for deliveries overdue by a minute: an event owed when a replica died reaches its
        // receiver within about two minutes. A second job for a delivery is harmless (the sender claims it).
        recurring.AddOrUpdate<WebhookDeliveryJob>("webhooks-requeue-overdue", j => j.RequeueOverdueAsync(CancellationToken.None), "* * * * *");
    }
}
