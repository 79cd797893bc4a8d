using System.Globalization;
using Cronos;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Drills;

/// <summary>The rules of rollback drills: what a drill may inject, its schedule, who may aim it at prod, and when a run passes.</summary>
public static class DrillRules
{
    public const int MaxCronLength = 100;
    public const int MaxAlertNameLength = 200;
    public const int DefaultTimeoutSeconds = 600;
    public const int MaxSeconds = 3600;

    /// <summary>How long after the rollback a run waits for its expected alert before it is judged.</summary>
    public static readonly TimeSpan AlertGrace = TimeSpan.FromSeconds(60);

    /// <summary>Who creates, changes and runs drills.</summary>
    public static readonly string[] RunRoles = [Roles.Facilitator, Roles.Admin];

    /// <summary>The faults the demo workload understands, with the range each value must be in.</summary>
    public static readonly IReadOnlyDictionary<string, (double Min, double Max, bool Integer, string Meaning)> Faults =
        new Dictionary<string, (double, double, bool, string)>(StringComparer.Ordinal)
        {
            ["FAULT_ERROR_RATE"] = (0.01, 1, false, "share of requests answered with 500, 0.01 to 1"),
            ["FAULT_LATENCY_MS"] = (1, 600_000, true, "added latency in milliseconds, 1 to 600000"),
            ["FAULT_CRASH_AFTER_S"] = (0, 3600, false, "seconds until the process crashes, 0 to 3600"),
        };

    /// <summary>Checks the fault settings: at least one, only known FAULT_* keys, each value a number in its range. Returns them normalised.</summary>
    public static Dictionary<string, string> CheckFault(IReadOnlyDictionary<string, string?>? fault)
    {
        if (fault is null || fault.Count == 0)
            throw new InvalidInputException("fault", $"Name at least one fault: {string.Join(", ", Faults.Keys)}.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, raw) in fault)
        {
            if (!Faults.TryGetValue(key ?? "", out var rule))
                throw new InvalidInputException("fault", $"'{Short(key)}' is not a fault a drill may inject: only {string.Join(", ", Faults.Keys)}.");
            var text = raw?.Trim() ?? "";
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || double.IsInfinity(value)
                || value < rule.Min || value > rule.Max || (rule.Integer && value != Math.Floor(value)))
                throw new InvalidInputException("fault", $"{key}='{Short(text)}' is not valid: {rule.Meaning}.");
            result[key!] = value.ToString(CultureInfo.InvariantCulture);
        }
        return result;
    }

    /// <summary>Parses a standard five-field cron expression (UTC); 400 naming the expression when it does not parse.</summary>
    public static CronExpression ParseCron(string? cron)
    {
        var text = cron?.Trim() ?? "";
        if (text.Length == 0) throw new InvalidInputException("cron", "A cron expression is required, e.g. '0 3 * * 1' (Mondays at 03:00 UTC).");
        if (text.Length > MaxCronLength || !CronExpression.TryParse(text, CronFormat.Standard, out var parsed))
            throw new InvalidInputException("cron", $"The cron expression '{Short(text)}' does not parse: use five fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * 1'.");
        return parsed;
    }

    /// <summary>The next time the drill's schedule fires after <paramref name="after"/> (UTC), or null.</summary>
    public static DateTime? NextRun(string cron, DateTime after)
    {
        try { return ParseCron(cron).GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Utc)); }
        catch (InvalidInputException) { return null; }
    }

    public static int CheckTarget(int? targetSeconds) =>
        targetSeconds is >= 1 and <= MaxSeconds ? targetSeconds.Value
            : throw new InvalidInputException("targetSeconds", $"The target is 1 to {MaxSeconds} seconds (e.g. 60: rolled back within a minute).");

    public static int CheckTimeout(int? timeoutSeconds, int target)
    {
        var timeout = timeoutSeconds ?? Math.Max(DefaultTimeoutSeconds, target * 2);
        return timeout >= target && timeout >= 10 && timeout <= MaxSeconds ? timeout
            : throw new InvalidInputException("timeoutSeconds", $"The timeout is at least the target ({target} s) and 10 s, at most {MaxSeconds} s.");
    }

    public static string? CheckAlertName(string? alert)
    {
        var name = alert?.Trim();
        if (string.IsNullOrEmpty(name)) return null;
        if (name.Length > MaxAlertNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':' or '.' or '-'))
            throw new InvalidInputException("expectedAlert", $"'{Short(name)}' is not an alert name: letters, digits, '_', ':', '.', '-', at most {MaxAlertNameLength}.");
        return name;
    }

    /// <summary>
    /// Drills stay out of production unless an Admin opts in: a prod drill needs <c>allowProd</c>, and
    /// only an Admin may set it (403 for anyone else, whatever the environment).
    /// </summary>
    public static void CheckProdOptIn(Actor actor, bool isProd, bool allowProd, string environment)
    {
        if (allowProd) actor.Require("let a drill run in production", Roles.Admin);
        if (isProd && !allowProd)
            throw new InvalidInputException("allowProd", $"'{environment}' is a production environment: a drill there needs an Admin's explicit opt-in (allowProd: true).");
    }

    /// <summary>What a finished run measured, for the verdict.</summary>
    public sealed record Measured(bool RolledBack, bool AbortedByDrill, bool Promoted, double? DetectionSeconds, double? RollbackSeconds,
        int TargetSeconds, string? ExpectedAlert, bool? AlertFired, bool RunbookLinked, string? RolloutReason);

    /// <summary>
    /// Passed when the engine detected the fault and rolled back on its own within the target, and the
    /// expected alert (if any) fired. The reason names every miss; a missing runbook link is noted but
    /// does not fail the run.
    /// </summary>
    public static (bool Passed, string Reason) Judge(Measured m)
    {
        var misses = new List<string>();
        if (m.Promoted) misses.Add("the faulty build was promoted: the analysis did not catch the fault (the previous version is being restored)");
        else if (m.AbortedByDrill) misses.Add("no rollback within the timeout: the drill aborted the rollout itself");
        else if (!m.RolledBack) misses.Add("the rollout did not roll back");
        if (!m.Promoted && !m.AbortedByDrill && m.DetectionSeconds is null) misses.Add("the fault was not detected");
        if (m.RollbackSeconds is { } r && r > m.TargetSeconds && !m.AbortedByDrill)
            misses.Add($"rollback took {Seconds(r)} s, over the target of {m.TargetSeconds} s");
        if (m.ExpectedAlert is not null && m.AlertFired != true) misses.Add($"the expected alert {m.ExpectedAlert} did not fire");
        var note = m.RunbookLinked ? "" : " No runbook is linked for the service in the catalogue.";
        if (misses.Count == 0)
            return (true, $"Rolled back in {Seconds(m.RollbackSeconds)} s (target {m.TargetSeconds} s), detected in {Seconds(m.DetectionSeconds)} s" +
                          (m.ExpectedAlert is null ? "." : $"; {m.ExpectedAlert} fired.") + note);
        var text = string.Join("; ", misses);
        return (false, char.ToUpperInvariant(text[0]) + text[1..] + "." + (m.RolloutReason is { Length: > 0 } why && !m.RolledBack ? $" Rollout: {Cut(why, 300)}" : "") + note);
    }

    public static string Seconds(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "?";

    private static string Short(string? s) => s is null ? "" : s.Length <= 70 ? s : s[..70] + "…";
    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
