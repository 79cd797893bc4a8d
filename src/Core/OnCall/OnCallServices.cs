using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Egress;

namespace OpsConsole.Core.OnCall;

public static class OnCallServices
{
    /// <summary>Schedules, policies, receivers and paging. The host supplies <see cref="IPageTimer"/> (persisted jobs in the console).</summary>
    public static IServiceCollection AddOnCall(this IServiceCollection services, OnCallOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<PageAckLinks>();
        services.AddScoped<OnCallSchedules>();
        services.AddScoped<EscalationPolicies>();
        services.AddScoped<ReceiverRegistry>();
        services.AddScoped<Paging>();
        services.AddSingleton<IAlertReceivers, OnCallReceivers>();
        services.AddSingleton<IOnCallMessenger, OnCallMessenger>();
        services.AddEgressHttpClient(OnCallMessenger.HttpClientName, TimeSpan.FromSeconds(10));
        return services;
    }
}
