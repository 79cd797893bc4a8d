using OpsConsole.Console.Hubs;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.Events;
using OpsConsole.Core.Events.Webhooks;

namespace OpsConsole.Console.Hosting;

public static class EventsSetup
{
    /// <summary>
    /// Events from the outbox to their sinks, in this order: live views, the public hub, webhooks
    /// (signed deliveries run as jobs); the relay loop runs in the background.
    /// </summary>
    public static IServiceCollection AddConsoleEvents(this IServiceCollection services, ConsoleSettings settings)
    {
        services.AddSingleton(EventSource.ForInstance(settings.InstanceName));
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<LiveEvents>();
        services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<LiveEvents>());
        services.AddSingleton<IEventSink, HubEventSink>();
        services.AddSingleton<IEventSink, WebhookSink>();
        services.AddSingleton<OutboxRelay>();
        services.AddHostedService<OutboxRelayService>();
        if (settings.SharedStore)
        {
            // Other replicas' events reach this replica's browsers and hub clients.
            services.AddSingleton<OutboxTail>();
            services.AddHostedService<OutboxTailService>();
        }
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddScoped<WebhookRegistry>();
        return services;
    }
}
