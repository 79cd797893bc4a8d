using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using OpsConsole.Console.Auth;
using OpsConsole.Console.Hosting;

namespace OpsConsole.Console.Hubs;

/// <summary>
/// The public live event stream. Clients call <c>Subscribe("checkout/prod")</c>, <c>Subscribe("checkout/*")</c>
/// or <c>Subscribe("*")</c> and receive <c>event</c> messages carrying CloudEvents JSON. Events can
/// arrive twice after a console restart; the CloudEvents id identifies repeats. A connection holds at
/// most <see cref="SecuritySettings.MaxHubSubscriptions"/> subscriptions (OPS_HUB_MAX_SUBSCRIPTIONS).
/// Open to the Pipeline policy too, so a CI pipeline's Ci token can follow a promotion: the hub only
/// subscribes to and receives events (the same a Read user sees), it changes nothing.
/// </summary>
[Authorize(Policy = Policies.Pipeline)]
public sealed class EventsHub(SecuritySettings security) : Hub
{
    public const string Path = "/hubs/events";
    public const string EventMethod = "event";
    private const string SubscriptionsKey = "subscriptions";

    public async Task<string> Subscribe(string subject)
    {
        var group = GroupFor(subject);
        var held = Subscriptions();
        lock (held)
        {
            if (!held.Contains(group) && held.Count >= security.MaxHubSubscriptions)
                throw new HubException($"A connection holds at most {security.MaxHubSubscriptions} subscriptions: unsubscribe from one first, or subscribe to a wider subject such as 'checkout/*'.");
            held.Add(group);
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
        return group;
    }

    public async Task Unsubscribe(string subject)
    {
        var group = GroupFor(subject);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
        var held = Subscriptions();
        lock (held) held.Remove(group);
    }

    private HashSet<string> Subscriptions()
    {
        lock (Context.Items)
        {
            if (Context.Items.TryGetValue(SubscriptionsKey, out var value) && value is HashSet<string> set) return set;
            var created = new HashSet<string>(StringComparer.Ordinal);
            Context.Items[SubscriptionsKey] = created;
            return created;
        }
    }

    internal static string GroupFor(string subject)
    {
        subject = subject?.Trim() ?? "";
        if (subject.Length is 0 or > 200) throw new HubException("Give a subject such as 'checkout/prod', 'checkout/*' or '*'.");
        return "s:" + subject;
    }

    /// <summary>The groups an event goes to: its exact subject, each parent prefix with /*, and *.</summary>
    internal static IReadOnlyList<string> GroupsOf(string subject)
    {
        var groups = new List<string> { "s:" + subject, "s:*" };
        for (var i = subject.IndexOf('/'); i >= 0; i = subject.IndexOf('/', i + 1))
            groups.Add("s:" + subject[..(i + 1)] + "*");
        return groups;
    }
}
