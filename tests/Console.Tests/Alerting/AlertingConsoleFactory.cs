using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.OnCall;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Console.Tests.Alerting;

/// <summary>A console whose alert notifications go to a recording receiver.</summary>
public sealed class AlertingConsoleFactory : ConsoleFactory
{
    public RecordingReceivers Receivers { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<IAlertReceivers>(Receivers));
    }
}
