using OpsConsole.Console.Auth;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Hosting;

public static class AccessSetup
{
    /// <summary>Users, API tokens, the first-run administrator and password sign-in.</summary>
    public static IServiceCollection AddConsoleAccess(this IServiceCollection services)
    {
        services.AddScoped<UserDirectory>();
        services.AddScoped<ApiTokens>();
        services.AddScoped<FirstRun>();
        services.AddSingleton(OperatorNotice.StandardOutput); // the generated first-run password: stdout only, never the logs
        services.AddScoped<ConsoleSignIn>();
        return services;
    }
}
