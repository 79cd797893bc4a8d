namespace OpsConsole.Core.Events;

/// <summary>The CloudEvents <c>source</c> of this console instance.</summary>
public sealed record EventSource(Uri Uri)
{
    public static EventSource ForInstance(string instance) => new(new Uri($"/opsconsole/{Uri.EscapeDataString(instance)}", UriKind.Relative));
}
