using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Events;
using OpsConsole.Core.Incidents;

namespace OpsConsole.Console.Tests.Components.Incidents;

/// <summary>The component context with the incident desk as the console wires it, over the real store.</summary>
public abstract class IncidentComponentContext : ComponentContext
{
    protected IncidentComponentContext() : this(_ => { }) { }

    /// <param name="more">Registrations after the incident services, e.g. an alert lookup.</param>
    protected IncidentComponentContext(Action<IServiceCollection> more) : base(s =>
    {
        s.AddSingleton(TimeProvider.System);
        s.AddIncidents(IncidentSettings.Default);
        more(s);
    })
    {
    }

    public static readonly Actor Olga = new("olga", new HashSet<string> { Roles.OnCall }, "bunit");

    public async Task<T> DeskAsync<T>(Func<IncidentDesk, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IncidentDesk>());
    }

    public Task<Incident> OpenAsync(string title = "Checkout errors", string severity = "SEV2", string service = "checkout/prod") =>
        DeskAsync(d => d.OpenAsync(Olga, title, severity, [service]));

    /// <summary>Hands the newest stored event to the live views, as the relay does after it commits.</summary>
    public async Task RelayNewestAsync()
    {
        await using var db = NewDb();
        var newest = db.OutboxEvents.OrderBy(e => e.Position).ToList().Last();
        await Services.GetRequiredService<LiveEvents>().OnEventAsync(EventEnvelope.From(newest), db, CancellationToken.None);
    }

    /// <summary>Stores an event as a capability would, at a chosen time.</summary>
    public async Task<OutboxEvent> EventAsync(string type, string subject, object data, DateTime at)
    {
        await using var db = NewDb();
        var row = Services.GetRequiredService<EventOutbox>().Add(db, new Actor("rita", new HashSet<string>(), "bunit"), type, subject, data);
        row.Time = at;
        await db.SaveChangesAsync();
        return row;
    }
}
