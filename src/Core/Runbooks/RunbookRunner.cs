using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Runbooks.Actions;

namespace OpsConsole.Core.Runbooks;

/// <summary>
/// Runs of runbooks: start one (standalone or for an incident), run an action step, tick a task,
/// skip a step, add a note; each change audited and emitted (<c>runbook.step.executed</c> carries the
/// incident id when the run belongs to one); export a run as Markdown. OnCall or Admin runs
/// runbooks, and each action also checks the actor's roles as its own page does.
/// </summary>
public sealed class RunbookRunner(OpsDbContext db, EventOutbox outbox, RunbookActionRegistry actions, TimeProvider clock, RunbookUpdates? updates = null)
{
    public const int MaxNoteLength = 2000;
    public const int MaxOutputLength = 8000;

    public async Task<RunbookRun> StartAsync(Actor actor, string slug, long? incidentId = null, CancellationToken ct = default)
    {
        actor.Require("run runbooks", RunbookRoles.Run);
        var runbook = await db.Runbooks.AsNoTracking().FirstOrDefaultAsync(r => r.Slug == slug, ct) ?? throw new NotFoundException($"Runbook '{slug}'");
        var doc = RunbookDocument.Parse(runbook.Markdown, runbook.Slug);
        var now = clock.GetUtcNow().UtcDateTime;
        var run = new RunbookRun
        {
            RunbookId = runbook.Id, Slug = runbook.Slug, Title = runbook.Title, Version = runbook.Version, IncidentId = incidentId,
            StartedBy = actor.Name, StartedAt = now, UpdatedAt = now,
        };
        foreach (var step in doc.Steps)
        {
            run.Steps.Add(new RunbookRunStep
            {
                Number = step.Number, Kind = step.Kind, Title = Cut(step.Title, 300), Action = step.Action,
                ArgumentsJson = JsonSerializer.Serialize(step.Arguments), Description = step.Kind == RunbookStepKind.Action ? actions.Describe(step) : null,
                State = RunbookStepState.Pending,
            });
        }
        db.RunbookRuns.Add(run);
        AuditTrail.Record(db, actor, "runbook.run.start", $"runbook/{slug}", after: new { runId = run.Id, version = run.Version, incidentId });
        outbox.Add(db, actor, EventTypes.RunbookRunStarted, $"runbook/{slug}", IncidentData(run, new Dictionary<string, object?>
        {
            ["runId"] = run.Id, ["slug"] = slug, ["title"] = run.Title, ["version"] = run.Version, ["actor"] = actor.Name, ["steps"] = run.Steps.Count,
        }));
        await db.SaveChangesAsync(ct);
        updates?.Publish(run.Id);
        return run;
    }

    public async Task<RunbookRun> GetAsync(Guid runId, CancellationToken ct = default) =>
        await db.RunbookRuns.AsNoTracking().Include(r => r.Steps.OrderBy(s => s.Number)).FirstOrDefaultAsync(r => r.Id == runId, ct)
        ?? throw new NotFoundException($"Runbook run {runId}");

    public async Task<IReadOnlyList<RunbookRun>> ListAsync(string? slug, long? incidentId, int limit = 50, CancellationToken ct = default)
    {
        var q = db.RunbookRuns.AsNoTracking().Include(r => r.Steps).AsQueryable();
        if (!string.IsNullOrEmpty(slug)) q = q.Where(r => r.Slug == slug);
        if (incidentId is { } id) q = q.Where(r => r.IncidentId == id);
        return await q.OrderByDescending(r => r.StartedAt).Take(Math.Clamp(limit, 1, 500)).ToListAsync(ct);
    }

    /// <summary>
    /// Runs an action step as the actor and records its outcome and output in the run. A refusal of the
    /// actor's roles (by the run or the action) changes nothing; an action that fails (a conflict, a
    /// check that answers badly) marks the step failed with why, and it can be run again.
    /// </summary>
    public async Task<RunbookRunStep> RunStepAsync(Actor actor, Guid runId, int number, string? note = null, CancellationToken ct = default)
    {
        actor.Require("run runbook steps", RunbookRoles.Run);
        var (run, step) = await LoadStepAsync(runId, number, ct);
        if (step.Kind != RunbookStepKind.Action || step.Action is null)
            throw new ConflictException($"Step {number} is a task to do by hand: mark it done instead.");
        if (step.State is RunbookStepState.Done or RunbookStepState.Skipped)
            throw new ConflictException($"Step {number} is already {step.State.ToString().ToLowerInvariant()}.");
        var action = actions.Find(step.Action) ?? throw new ConflictException($"Step {number}: the action '{step.Action}' is not available in this console.");
        var args = new RunbookActionArguments(JsonSerializer.Deserialize<Dictionary<string, string>>(step.ArgumentsJson) ?? []);
        action.Validate(args);

        RunbookActionOutcome outcome;
        try
        {
            outcome = await action.RunAsync(actor, args, ct);
        }
        catch (AccessDeniedException)
        {
            throw;
        }
        catch (DomainException e)
        {
            outcome = new RunbookActionOutcome(false, e.Message);
        }
        // The action saved its own change in its own scope: reload before recording the outcome.
        db.ChangeTracker.Clear();
        (run, step) = await LoadStepAsync(runId, number, ct);
        return await RecordAsync(actor, run, step, outcome.Succeeded ? RunbookStepState.Done : RunbookStepState.Failed, note, outcome.Output,
            outcome.Data, ct);
    }

    /// <summary>Marks a task (done by hand) as done.</summary>
    public async Task<RunbookRunStep> CompleteTaskAsync(Actor actor, Guid runId, int number, string? note = null, CancellationToken ct = default)
    {
        actor.Require("run runbook steps", RunbookRoles.Run);
        var (run, step) = await LoadStepAsync(runId, number, ct);
        if (step.Kind == RunbookStepKind.Action) throw new ConflictException($"Step {number} runs the action '{step.Action}': run it, or skip it.");
        if (step.State != RunbookStepState.Pending) throw new ConflictException($"Step {number} is already {step.State.ToString().ToLowerInvariant()}.");
        return await RecordAsync(actor, run, step, RunbookStepState.Done, note, null, null, ct);
    }

    public async Task<RunbookRunStep> SkipStepAsync(Actor actor, Guid runId, int number, string? note = null, CancellationToken ct = default)
    {
        actor.Require("run runbook steps", RunbookRoles.Run);
        var (run, step) = await LoadStepAsync(runId, number, ct);
        if (step.State is RunbookStepState.Done or RunbookStepState.Skipped)
            throw new ConflictException($"Step {number} is already {step.State.ToString().ToLowerInvariant()}.");
        return await RecordAsync(actor, run, step, RunbookStepState.Skipped, note, null, null, ct);
    }

    public async Task<RunbookRunStep> AddNoteAsync(Actor actor, Guid runId, int number, string? note, CancellationToken ct = default)
    {
        actor.Require("add notes to runbook runs", RunbookRoles.Run);
        if (string.IsNullOrWhiteSpace(note)) throw new InvalidInputException("note", "A note has some text.");
        var (run, step) = await LoadStepAsync(runId, number, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        step.Notes = AppendNote(step.Notes, actor.Name, now, note);
        run.UpdatedAt = now;
        AuditTrail.Record(db, actor, "runbook.run.note", $"runbook/{run.Slug}", after: new { runId = run.Id, step = number });
        await db.SaveChangesAsync(ct);
        updates?.Publish(run.Id);
        return step;
    }

    private async Task<RunbookRunStep> RecordAsync(Actor actor, RunbookRun run, RunbookRunStep step, RunbookStepState state, string? note, string? output,
        JsonElement? data, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var before = step.State;
        step.State = state;
        step.By = actor.Name;
        step.At = now;
        if (output is not null) step.Output = Cut(output, MaxOutputLength);
        if (!string.IsNullOrWhiteSpace(note)) step.Notes = AppendNote(step.Notes, actor.Name, now, note);
        run.UpdatedAt = now;
        var outcome = state.ToString().ToLowerInvariant();
        AuditTrail.Record(db, actor, "runbook.step." + (step.Kind == RunbookStepKind.Action && state is RunbookStepState.Done or RunbookStepState.Failed ? "run" : outcome),
            $"runbook/{run.Slug}", before: new { state = before.ToString() },
            after: new { runId = run.Id, step = step.Number, action = step.Action, state = state.ToString(), incidentId = run.IncidentId });
        var eventData = new Dictionary<string, object?>
        {
            ["runId"] = run.Id, ["slug"] = run.Slug, ["runbookTitle"] = run.Title, ["step"] = step.Number, ["stepTitle"] = step.Title,
            ["action"] = step.Action, ["actor"] = actor.Name, ["outcome"] = outcome, ["output"] = step.Output,
        };
        if (data is { } d) eventData["result"] = d;
        outbox.Add(db, actor, EventTypes.RunbookStepExecuted, Subject(run, step), IncidentData(run, eventData));
        await db.SaveChangesAsync(ct);
        updates?.Publish(run.Id);
        return step;
    }

    /// <summary>"service/environment" when the step acts on one (so "what changed" finds it), else the runbook.</summary>
    private static string Subject(RunbookRun run, RunbookRunStep step)
    {
        var args = JsonSerializer.Deserialize<Dictionary<string, string>>(step.ArgumentsJson) ?? [];
        return args.TryGetValue("service", out var s) && args.TryGetValue("environment", out var e) ? $"{s}/{e}" : $"runbook/{run.Slug}";
    }

    private static Dictionary<string, object?> IncidentData(RunbookRun run, Dictionary<string, object?> data)
    {
        if (run.IncidentId is { } id) data["incidentId"] = id;
        return data;
    }

    private async Task<(RunbookRun Run, RunbookRunStep Step)> LoadStepAsync(Guid runId, int number, CancellationToken ct)
    {
        var run = await db.RunbookRuns.Include(r => r.Steps).FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw new NotFoundException($"Runbook run {runId}");
        var step = run.Steps.FirstOrDefault(s => s.Number == number) ?? throw new NotFoundException($"Step {number} of runbook run {runId}");
        return (run, step);
    }

    private static string AppendNote(string? notes, string by, DateTime at, string note)
    {
        var line = $"{at:yyyy-MM-dd HH:mm} UTC {by}: {Cut(note.Trim(), MaxNoteLength)}";
        return string.IsNullOrEmpty(notes) ? line : notes + "\n" + line;
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>The run as Markdown: the runbook, who ran it, and per step its state, who, when, output and notes.</summary>
    public static string ToMarkdown(RunbookRun run)
    {
        var sb = new StringBuilder();
        sb.Append("# Run of ").Append(Escape(run.Title)).Append(" (v").Append(run.Version).Append(")\n\n");
        sb.Append("- Runbook: `").Append(run.Slug).Append("`\n");
        sb.Append("- Started by ").Append(Escape(run.StartedBy)).Append(" at ").Append(run.StartedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        if (run.IncidentId is { } id) sb.Append("- Incident: #").Append(id).Append('\n');
        sb.Append("- Run id: `").Append(run.Id).Append("`\n\n## Steps\n\n");
        foreach (var s in run.Steps.OrderBy(s => s.Number))
        {
            sb.Append(s.Number).Append(". **").Append(s.State.ToString().ToLowerInvariant()).Append("**: ").Append(Escape(s.Title));
            if (s.Action is not null) sb.Append(" (`").Append(s.Action).Append("`)");
            if (s.By is not null) sb.Append(" by ").Append(Escape(s.By)).Append(" at ").Append(s.At?.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            sb.Append('\n');
            if (!string.IsNullOrEmpty(s.Output))
            {
                sb.Append("\n   ```text\n");
                foreach (var line in s.Output.Split('\n')) sb.Append("   ").Append(line.Replace("```", "'''")).Append('\n');
                sb.Append("   ```\n");
            }
            if (!string.IsNullOrEmpty(s.Notes))
                foreach (var line in s.Notes.Split('\n')) sb.Append("\n   > ").Append(Escape(line)).Append('\n');
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Escape(string text) => text.Replace("<", "&lt;").Replace(">", "&gt;");
}
