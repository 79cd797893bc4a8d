using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Runbooks.Actions;

namespace OpsConsole.Core.Alerting;

/// <summary>
/// <c>silence.create</c>: a runbook step that silences alerts through <see cref="Silences"/>, as the
/// actor (OnCall or Admin, the same check as the silences page). Arguments: <c>matchers</c>
/// (<c>alertname=HighErrorRate,service=checkout</c>), <c>duration</c> (<c>1h</c>, default 1h) and <c>comment</c>.
/// </summary>
public sealed class SilenceRunbookAction(IServiceScopeFactory scopes, TimeProvider clock) : IRunbookAction
{
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(1);

    public string Name => "silence.create";

    public string Describe(RunbookActionArguments arguments)
    {
        var (matchers, duration, _) = Read(arguments);
        return $"Silence alerts matching {LabelMatcher.Format(matchers)} for {PromDuration.Format(duration)}.";
    }

    public void Validate(RunbookActionArguments arguments) => Read(arguments);

    public async Task<RunbookActionOutcome> RunAsync(Actor actor, RunbookActionArguments arguments, CancellationToken ct)
    {
        var (matchers, duration, comment) = Read(arguments);
        actor.Require("create a silence", Roles.OnCall, Roles.Admin);
        await using var scope = scopes.CreateAsyncScope();
        var now = clock.GetUtcNow().UtcDateTime;
        var silence = await scope.ServiceProvider.GetRequiredService<Silences>()
            .CreateAsync(actor, LabelMatcher.Format(matchers), now, now + duration, comment ?? $"Silenced from a runbook step by {actor.Name}.", ct);
        return new RunbookActionOutcome(true,
            $"Silence {silence.Id} for {silence.Matchers} until {silence.EndsAt:yyyy-MM-dd HH:mm} UTC.",
            JsonSerializer.SerializeToElement(new { silenceId = silence.Id, matchers = silence.Matchers, endsAt = silence.EndsAt }));
    }

    private static (IReadOnlyList<LabelMatcher> Matchers, TimeSpan Duration, string? Comment) Read(RunbookActionArguments arguments)
    {
        var text = arguments.Require("matchers");
        if (text.Length > 4096) throw new InvalidInputException("matchers", "The matchers are longer than 4096 characters.");
        var matchers = LabelMatcher.ParseList(text);
        if (matchers.Count == 0) throw new InvalidInputException("matchers", "A silence needs at least one matcher.");
        var duration = DefaultDuration;
        if (arguments.Get("duration") is { } d && (!PromDuration.TryParse(d, out duration) || duration <= TimeSpan.Zero))
            throw new InvalidInputException("duration", $"'{d}' is not a duration (e.g. 30m, 1h, 2h30m).");
        if (duration > Silences.MaxDuration) throw new InvalidInputException("duration", $"A silence lasts at most {Silences.MaxDuration.TotalDays} days.");
        return (matchers, duration, arguments.Get("comment"));
    }
}
