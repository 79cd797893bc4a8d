using System.Text.RegularExpressions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Incidents;

/// <summary>Who may do what with incidents, and how people's input becomes an incident's fields.</summary>
public static partial class IncidentRules
{
    /// <summary>Open, acknowledge, mitigate, resolve, write notes, name the commander. Everyone reads.</summary>
    public static readonly string[] ManageRoles = [Roles.OnCall, Roles.Admin];

    public const int MaxServices = 20;

    public static bool CanManage(Actor actor) => actor.IsInAnyRole(ManageRoles);

    /// <summary>The status moves a person may make now, in order (forward only).</summary>
    public static IReadOnlyList<IncidentStatus> NextMoves(Incident incident, Actor actor) =>
        !CanManage(actor) ? [] : Enum.GetValues<IncidentStatus>().Where(s => s > incident.Status).ToList();

    /// <summary>The route and button word for a move: ack, mitigate, resolve.</summary>
    public static string Verb(IncidentStatus target) => target switch
    {
        IncidentStatus.Acknowledged => "ack",
        IncidentStatus.Mitigated => "mitigate",
        IncidentStatus.Resolved => "resolve",
        _ => target.ToString().ToLowerInvariant(),
    };

    public static string Label(IncidentSeverity s) => $"SEV{(int)s}";

    /// <summary>Parses SEV1–SEV4 (any case, also "sev-2", "Sev3" and the bare number 1–4).</summary>
    public static IncidentSeverity ParseSeverity(string? text)
    {
        var t = (text ?? "").Trim().ToUpperInvariant().Replace("-", "", StringComparison.Ordinal);
        if (t.StartsWith("SEV", StringComparison.Ordinal)) t = t[3..];
        if (t.Length == 1 && t[0] is >= '1' and <= '4') return (IncidentSeverity)(t[0] - '0');
        throw new InvalidInputException("severity", $"Severity '{text}' is not one of SEV1, SEV2, SEV3, SEV4.");
    }

    public static string CheckTitle(string? title)
    {
        var t = (title ?? "").Trim();
        if (t.Length == 0) throw new InvalidInputException("title", "An incident needs a title.");
        if (t.Length > Incident.MaxTitleLength) throw new InvalidInputException("title", $"The title is longer than {Incident.MaxTitleLength} characters.");
        if (t.Any(char.IsControl)) throw new InvalidInputException("title", "The title may not contain control characters.");
        return t;
    }

    /// <summary>
    /// Parses services given as <c>service</c> or <c>service/environment</c> (a bare name takes
    /// <paramref name="environment"/> when given); names are DNS labels; duplicates are dropped.
    /// </summary>
    public static List<AffectedService> ParseServices(IEnumerable<string?>? services, string? environment = null)
    {
        var env = string.IsNullOrWhiteSpace(environment) ? null : CheckName(environment.Trim().ToLowerInvariant(), "environment");
        var result = new List<AffectedService>();
        foreach (var raw in services ?? [])
        {
            var text = (raw ?? "").Trim().ToLowerInvariant();
            if (text.Length == 0) continue;
            var parts = text.Split('/');
            if (parts.Length > 2) throw new InvalidInputException("services", $"'{raw}' is not of the form service or service/environment.");
            var service = CheckName(parts[0], "services");
            var e = parts.Length == 2 ? CheckName(parts[1], "services") : env;
            if (result.Any(s => s.Service == service && s.Environment == e)) continue;
            result.Add(new AffectedService { Service = service, Environment = e });
        }
        if (result.Count > MaxServices) throw new InvalidInputException("services", $"An incident names at most {MaxServices} services.");
        return result;
    }

    private static string CheckName(string name, string field) => DnsLabel().IsMatch(name)
        ? name
        : throw new InvalidInputException(field, $"'{name}' is not a service or environment name: use 1 to 63 lowercase letters, digits and '-'.");

    public static string CheckNote(string? text)
    {
        var t = (text ?? "").Trim();
        if (t.Length == 0) throw new InvalidInputException("text", "A note needs some text.");
        if (t.Length > IncidentLogEntry.MaxNoteLength) throw new InvalidInputException("text", $"A note is at most {IncidentLogEntry.MaxNoteLength} characters.");
        return t;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
