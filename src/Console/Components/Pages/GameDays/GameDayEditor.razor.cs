using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.GameDays;

namespace OpsConsole.Console.Components.Pages.GameDays;

public partial class GameDayEditor
{
    [Parameter] public long? Id { get; set; }

    private sealed class FaultRow
    {
        public FaultKind Type { get; set; } = FaultKind.ErrorRate;
        public string? Target { get; set; }
        public double Magnitude { get; set; } = 0.5;
        public int StartSeconds { get; set; }
        public int DurationSeconds { get; set; } = 60;
    }

    private string? _title, _objective, _scope, _participants, _observers, _hypothesis, _steady, _abort, _blastRadius, _scheduledAt;
    private int? _duration;
    private bool _allowProd, _canPlan, _isAdmin, _busy;
    private readonly List<FaultRow> _faults = [];

    protected override async Task OnInitializedAsync()
    {
        var actor = await CurrentActorAsync();
        _canPlan = actor.IsInAnyRole(GameDayRules.RunRoles);
        _isAdmin = actor.IsInRole(Roles.Admin);
        if (Id is { } id)
        {
            await using var scope = ScopeFactory.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<GameDayDesk>().LoadAsync(id) is { } g)
            {
                var p = g.Plan;
                _title = g.Title;
                _objective = p.Objective;
                _scope = string.Join(", ", p.Scope);
                _participants = string.Join(", ", p.Participants);
                _observers = string.Join(", ", p.Observers);
                _hypothesis = p.Hypothesis;
                _steady = string.Join("\n", p.SteadyState);
                _abort = string.Join("\n", p.AbortConditions);
                _blastRadius = p.BlastRadius;
                _duration = p.DurationSeconds;
                _allowProd = g.ProdOptInBy is not null;
                _scheduledAt = g.ScheduledAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
                _faults.AddRange(p.Faults.Select(f => new FaultRow { Type = f.Type, Target = f.Target, Magnitude = f.Magnitude, StartSeconds = f.StartSeconds, DurationSeconds = f.DurationSeconds }));
            }
        }
        else
        {
            _steady = "error_ratio < 0.01\np99_ms < 300";
            _abort = "error_ratio > 0.5";
        }
    }

    private void AddFault() => _faults.Add(new FaultRow { Target = Split(_scope).FirstOrDefault() });

    private async Task SaveAsync()
    {
        _busy = true;
        long? saved = null;
        try
        {
            DateTimeOffset? scheduled = null;
            if (!string.IsNullOrWhiteSpace(_scheduledAt))
            {
                if (!DateTime.TryParseExact(_scheduledAt.Trim(), ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm"], CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
                {
                    ActionError = $"'{_scheduledAt}' is not a time like 2026-12-01 14:00 (UTC).";
                    return;
                }
                scheduled = new DateTimeOffset(at, TimeSpan.Zero);
            }
            var input = new GameDayInput(_title, _objective, Split(_scope), Split(_participants), Split(_observers), _hypothesis, Lines(_steady),
                _faults.Select(f => new FaultInput(f.Type.ToString(), f.Target, f.Magnitude, f.StartSeconds, f.DurationSeconds)).ToList(),
                _blastRadius, Lines(_abort), scheduled, _duration, _allowProd);
            await ActAsync<GameDayDesk>(async (desk, actor) =>
            {
                var g = Id is { } id ? await desk.UpdatePlanAsync(actor, id, input) : await desk.PlanAsync(actor, input);
                saved = g.Id;
            }, "Game day planned.");
        }
        catch (InvalidInputException e)
        {
            ActionError = e.Message;
        }
        finally
        {
            _busy = false;
        }
        if (saved is { } done) Navigation.NavigateTo($"/gamedays/{done}");
    }

    private static List<string> Split(string? text) =>
        (text ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static List<string> Lines(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
