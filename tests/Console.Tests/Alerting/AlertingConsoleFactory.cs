using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Tests.Alerting;

/// <summary>Records every notification the dispatcher sends (stands in for OnCall's receivers).</summary>
public sealed class RecordingReceivers : IAlertReceivers
{
    private readonly List<AlertNotification> sent = [];

    public IReadOnlyList<AlertNotification> Sent { get { lock (sent) return [.. sent]; } }

    public Task NotifyAsync(AlertNotification notification, CancellationToken ct)
    {
        lock (sent) sent.Add(notification);
        return Task.CompletedTask;
    }
}

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
