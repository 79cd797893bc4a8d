using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.OnCall;
using OpsConsole.Core.Runbooks.Actions;

namespace OpsConsole.Core.Alerting;

public static class AlertingServices
{
    /// <summary>Alert ingestion, routing, silences, the dispatcher and the <c>silence.create</c> runbook action. Receivers default to <see cref="LoggingAlertReceivers"/> until OnCall provides its own.</summary>
    public static IServiceCollection AddAlerting(this IServiceCollection services)
    {
        services.AddSingleton<AlertRoutingState>();
        services.AddScoped<AlertIngestion>();
        services.AddScoped<AlertRoutes>();
        services.AddScoped<Silences>();
        services.AddScoped<AlertQueries>();
        services.AddScoped<IAlertLookup>(sp => sp.GetRequiredService<AlertQueries>());
        services.AddScoped<AlertDispatcher>();
        services.TryAddSingleton<IAlertReceivers, LoggingAlertReceivers>();
        services.AddSingleton<IRunbookAction, SilenceRunbookAction>();
        return services;
    }
}

/// <summary>
/// The stand-in receiver used until the on-call capability delivers notifications: it only logs
/// each notification and keeps the latest ones in memory, so nothing is paged.
/// </summary>
public sealed class LoggingAlertReceivers(ILogger<LoggingAlertReceivers> log) : IAlertReceivers
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<AlertNotification> recent = new();

    public IReadOnlyList<AlertNotification> Recent => recent.ToArray();

    public Task NotifyAsync(AlertNotification notification, CancellationToken ct)
    {
        log.LogInformation("Alert notification for receiver {Receiver}: group {GroupKey}, {Count} alert(s), {Status} (logged only: no on-call delivery configured)",
            notification.Receiver, notification.GroupKey, notification.Alerts.Count, notification.Status);
        recent.Enqueue(notification);
        while (recent.Count > 100) recent.TryDequeue(out _);
        return Task.CompletedTask;
    }
}
