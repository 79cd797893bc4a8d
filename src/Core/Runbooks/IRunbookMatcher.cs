namespace OpsConsole.Core.Runbooks;

/// <summary>
/// Finds the runbooks written for an alert: those whose front matter's alert matchers match the
/// alert's labels. Implemented by Runbooks; used by Incidents to attach runbooks.
/// </summary>
public interface IRunbookMatcher
{
    Task<IReadOnlyList<RunbookReference>> ForAlertLabelsAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct);
}

public sealed record RunbookReference(string Slug, string Title);
