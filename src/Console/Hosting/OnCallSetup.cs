using System.Globalization;
using OpsConsole.Console.Jobs;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Hosting;

public static class OnCallSetup
{
    /// <summary>Schedules, escalation, receivers and pages; escalation timers are persisted Hangfire jobs.</summary>
    public static IServiceCollection AddConsoleOnCall(this IServiceCollection services, IConfiguration config)
    {
        var port = int.TryParse(config["OPS_SMTP_PORT"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : 25;
        var options = new OnCallOptions
        {
            PublicUrl = config["OPS_PUBLIC_URL"] is { Length: > 0 } url ? url : "http://localhost:5080",
            AckLinkLifetime = double.TryParse(config["OPS_ACK_LINK_HOURS"], NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h > 0
                ? TimeSpan.FromHours(h) : TimeSpan.FromHours(24),
            Smtp = new SmtpSettings(config["OPS_SMTP_HOST"], port, config["OPS_SMTP_FROM"] is { Length: > 0 } from ? from : "opsconsole@localhost",
                config["OPS_SMTP_USER"], config["OPS_SMTP_PASSWORD"]),
        };
        services.AddOnCall(options);
        services.AddSingleton<IPageTimer, HangfirePageTimer>();
        services.AddTransient<PageEscalationJob>();
        return services;
    }
}
