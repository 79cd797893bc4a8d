using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpsConsole.Console.Tests.Shared;

namespace OpsConsole.Console.Tests.OnCall;

/// <summary>A console over a data folder; optionally without a job server, so jobs it schedules wait in the job store for the next host.</summary>
public sealed class OnCallConsoleFactory(string dataDirectory, bool jobServer, IReadOnlyDictionary<string, string?>? settings = null)
    : ConsoleFactory(settings, null, dataDirectory)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (jobServer) return;
        builder.ConfigureTestServices(s =>
        {
            // Hangfire registers its server as a hosted service built by a factory in its own namespace.
            foreach (var d in s.Where(d => d.ServiceType == typeof(IHostedService)
                         && (d.ImplementationFactory?.Method.DeclaringType?.FullName ?? d.ImplementationType?.FullName ?? "").StartsWith("Hangfire", StringComparison.Ordinal)).ToList())
                s.Remove(d);
        });
    }
}
