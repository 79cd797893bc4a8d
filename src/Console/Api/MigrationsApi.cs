using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Evidence;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Api;

public sealed record MigrationRunBody(List<WaiverInput>? Waivers, DateTime? ScheduledFor);

public sealed record MigrationRevertBody(int? Count, string? To, DateTime? ScheduledFor);

public sealed record DeploymentPlanBody(string? Service, string? Environment, string? Version, System.Text.Json.JsonElement? Strategy, Dictionary<string, string>? Config);

public sealed record DeploymentPlanView(Guid Id, string Service, string Environment, string Version, string Status, string Message, string RequestedBy,
    DateTime CreatedAt, DateTime UpdatedAt, Guid? ExpandBatchId, Guid? RolloutId, Guid? ContractBatchId)
{
    public static DeploymentPlanView From(DeploymentPlan p) => new(p.Id, p.Service, p.Environment, p.Version, p.Status.ToString(), p.Message, p.RequestedBy,
        p.CreatedAt, p.UpdatedAt, p.ExpandBatchId, p.RolloutId, p.ContractBatchId);
}

public sealed record MigrationTargetBody(string? Provider, string? ConnectionString, bool? RequiresApproval);

public sealed record MigrationTargetView(string Service, string Environment, string Provider, string Target, bool RequiresApproval, string UpdatedBy, DateTime UpdatedAt)
{
    public static MigrationTargetView From(MigrationTargetConfig t) =>
        new(t.Service, t.Environment, t.Provider.ToString().ToLowerInvariant(), t.Description, t.RequiresApproval, t.UpdatedBy, t.UpdatedAt);
}

public sealed record MigrationStatusView(string Service, string Environment, string Target, bool RequiresApproval,
    IReadOnlyList<object> Applied, IReadOnlyList<object> Pending, IReadOnlyList<object> Drift, IReadOnlyList<string> OutOfOrder)
{
    public static MigrationStatusView From(MigrationTargetConfig t, MigrationStatus s) => new(t.Service, t.Environment, t.Description, t.RequiresApproval,
        s.Applied.Select(a => (object)new
        {
            name = a.Name, sequence = a.Sequence, phase = a.Phase.ToString().ToLowerInvariant(), checksum = a.Checksum,
            appliedAt = a.AppliedAt, appliedBy = a.AppliedBy, batchId = a.BatchId, durationMs = a.DurationMs
        }).ToList(),
        s.Pending.Select(p => (object)new { name = p.Name, sequence = p.Sequence, phase = p.Phase.ToString().ToLowerInvariant(), checksum = p.Checksum }).ToList(),
        s.Drift.Select(d => (object)new { change = d.Change, reason = d.Reason, files = d.Files, appliedChecksum = d.AppliedChecksum, sourceChecksum = d.SourceChecksum }).ToList(),
        s.OutOfOrder);
}

public sealed record MigrationBatchView(
    Guid BatchId, string Service, string Environment, string Kind, string Status, string RequestedBy, DateTime RequestedAt,
    string? ApprovedBy, DateTime? ApprovedAt, DateTime? ScheduledFor, bool RequiresApproval, int Completed, int Total, string? Message,
    int Attempts, DateTime? StartedAt, DateTime? FinishedAt, string? Outcome, string? EvidenceSha256,
    [property: JsonPropertyName("waivers")] IReadOnlyList<object> WaiverList,
    IReadOnlyList<ChangeResult> Changes, IReadOnlyList<FindingResult> Findings, IReadOnlyList<string> Blockers, IReadOnlyList<string> Errors, string? Diff,
    string? SourceOrigin, string? SourceChecksum, DateTime? ApprovalExpiresAt, RecordedBatch? Recorded)
{
    /// <summary>The batch with what it will run (<see cref="Recorded"/>: each change's checksum and SQL, as requested and approved).</summary>
    public static MigrationBatchView From(MigrationBatch b, MigrationApprovalPolicy? approvals = null)
    {
        var r = b.Result;
        return new(b.Id, b.Service, b.Environment, KindName(b.Kind), b.Status.ToString(), b.RequestedBy, b.RequestedAt, b.ApprovedBy, b.ApprovedAt,
            b.ScheduledFor, b.RequiresApproval, b.Completed, b.Total, b.Message, b.Attempts, b.StartedAt, b.FinishedAt, b.Outcome?.ToString(),
            b.EvidenceSha256, b.Waivers.Select(w => (object)new { change = w.Change, ruleId = w.RuleId, by = w.By, reason = w.Reason }).ToList(),
            r?.Changes ?? [], r?.Findings ?? [], r?.Blockers ?? [], r?.Errors ?? [], r?.Diff,
            b.SourceOrigin, b.SourceChecksum, b.ApprovalExpiresAt(approvals ?? MigrationApprovalPolicy.Default), b.Recorded);
    }

    public static string KindName(MigrationRunKind kind) => kind switch { MigrationRunKind.DryRun => "dry-run", MigrationRunKind.Apply => "apply", _ => "revert" };
}

public sealed record UploadedBundle(string Service, string Version, string Checksum, IReadOnlyList<string> Changes);

public static class MigrationsApi
{
    private static async Task<Created<UploadedBundle>> UploadBundle(string service, string? version, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct)
    {
        var source = await coordinator.UploadBundleAsync(ctx.ToActor(), service, version, ctx.Request.Body, ct);
        return TypedResults.Created($"/api/v1/migrations/{service}", new UploadedBundle(service, version!, source.Checksum, source.Changes.Select(c => c.Name).ToList()));
    }

    public static RouteGroupBuilder MapMigrationsApi(this RouteGroupBuilder api)
    {
        var migrations = api.MapGroup("/migrations").WithTags("Migrations");
        migrations.MapGet("/", ListTargets).WithName("ListMigrationTargets").WithSummary("Migration targets per service and environment (connection strings never shown)");
        migrations.MapGet("/{service}/{environment}", Status).WithName("GetMigrationStatus").RequireRateLimiting(OpsConsole.Console.Hosting.SecuritySetup.ExpensiveRead)
            .WithSummary("Applied, pending and drifted changes of a service's target in an environment").ProducesProblem(404);
        migrations.MapPost("/{service}/{environment}/dry-run", async (string service, string environment, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct) =>
            {
                var body = await OptionalBodyAsync<MigrationRunBody>(ctx, ct);
                return await RequestAsync(service, environment, new MigrationBatchRequest(MigrationRunKind.DryRun, body?.Waivers, body?.ScheduledFor), coordinator, ctx, ct);
            })
            .WithName("DryRunMigrations").WithSummary("Rehearse the pending changes on the real target, rolled back (ReleaseManager); 202 with batchId")
            .RequireAuthorization(Policies.ReleaseManager).ProducesValidationProblem().ProducesProblem(404);
        migrations.MapPost("/{service}/{environment}/apply", async (string service, string environment, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct) =>
            {
                var body = await OptionalBodyAsync<MigrationRunBody>(ctx, ct);
                return await RequestAsync(service, environment, new MigrationBatchRequest(MigrationRunKind.Apply, body?.Waivers, body?.ScheduledFor), coordinator, ctx, ct);
            })
            .WithName("ApplyMigrations").WithSummary("Apply the pending changes (ReleaseManager); 202 with batchId")
            .WithDescription("Body (optional): {\"waivers\":[{\"change\",\"ruleId\",\"reason\"}], \"scheduledFor\": UTC time}. On an environment that needs approval " +
                             "the batch waits as AwaitingApproval until another ReleaseManager approves it.")
            .RequireAuthorization(Policies.ReleaseManager).ProducesValidationProblem().ProducesProblem(404);
        migrations.MapPost("/{service}/{environment}/revert", async (string service, string environment, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct) =>
            {
                var body = await OptionalBodyAsync<MigrationRevertBody>(ctx, ct);
                return await RequestAsync(service, environment, new MigrationBatchRequest(MigrationRunKind.Revert, null, body?.ScheduledFor, body?.Count, body?.To), coordinator, ctx, ct);
            })
            .WithName("RevertMigrations").WithSummary("Revert the last N changes ({\"count\":N}) or back to a change ({\"to\":name}) (ReleaseManager); 202 with batchId")
            .RequireAuthorization(Policies.ReleaseManager).ProducesValidationProblem().ProducesProblem(404);
        migrations.MapPost("/{service}/bundles", UploadBundle).WithName("UploadMigrationBundle")
            .WithSummary("Upload a zip of a service's migrations for a version (ReleaseManager): ?version=1.3.0, body application/zip, at most 32 MiB")
            .WithDescription("The zip holds the change folders (NNN_name/deploy.sql, verify.sql, revert.sql, change.yaml) at its root or under a folder named after the service. " +
                             "It is checked like any source and refused whole, with every problem listed by file, when something is wrong; once stored it is the service's source.")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MigrationCatalog.MaxBundleBytes))
            .Accepts<IFormFile>("application/zip")
            .RequireAuthorization(Policies.ReleaseManager).ProducesValidationProblem().ProducesProblem(409);
        migrations.MapPut("/{service}/{environment}/target", SetTarget).WithName("SetMigrationTarget")
            .WithSummary("Point a target at SQLite or PostgreSQL (Admin): {\"provider\":\"postgres\",\"connectionString\":...,\"requiresApproval\":true}; the string is never returned")
            .RequireAuthorization(Policies.Admin).ProducesValidationProblem();

        var batches = api.MapGroup("/migration-batches").WithTags("Migrations");
        batches.MapGet("/", ListBatches).WithName("ListMigrationBatches").WithSummary("Migration batches, newest first (filters: service, environment)");
        batches.MapGet("/{id:guid}", GetBatch).WithName("GetMigrationBatch")
            .WithSummary("A batch: status, progress, the SQL it runs (recorded at request time, with checksums and lint), per-change results, lint findings, schema diff").ProducesProblem(404);
        batches.MapPost("/{id:guid}/approve", Approve).WithName("ApproveMigrationBatch")
            .WithSummary("Approve a batch awaiting approval (ReleaseManager other than the requester); it is then queued")
            .WithDescription("The approval covers the SQL recorded on the batch (GET /migration-batches/{id}: recorded). 409 when the service's migrations changed since the request, " +
                             "or when the batch is scheduled later than an approval stays valid (OPS_MIGRATION_APPROVAL_HOURS, default 24).")
            .RequireAuthorization(Policies.ReleaseManager).ProducesProblem(404).ProducesProblem(409);
        batches.MapGet("/{id:guid}/evidence", Evidence).WithName("GetMigrationEvidence")
            .WithSummary("The sealed evidence record as JSON (with its sha256), or ?format=markdown for the readable report").ProducesProblem(404).ProducesProblem(409);

        var plans = api.MapGroup("/deployment-plans").WithTags("Migrations");
        plans.MapPost("/", CreatePlan).WithName("CreateDeploymentPlan")
            .WithSummary("Roll out a version with its migrations: expand changes before the first step, contract changes after success (ReleaseManager)")
            .WithDescription("Body as for POST /rollouts: service, environment, version, strategy, config. A failed expand batch stops the rollout from starting; " +
                             "on an environment that needs approval each migration batch waits for a second ReleaseManager.")
            .RequireAuthorization(Policies.ReleaseManager).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        plans.MapGet("/{id:guid}", GetPlan).WithName("GetDeploymentPlan").WithSummary("A deployment plan: status, its expand batch, rollout and contract batch").ProducesProblem(404);
        return api;
    }

    private static async Task<Created<DeploymentPlanView>> CreatePlan(DeploymentPlanBody body, DeploymentPlanner planner, HttpContext ctx, CancellationToken ct)
    {
        var plan = await planner.CreateAsync(ctx.ToActor(), body.Service, body.Environment, body.Version, body.Strategy, body.Config, ct);
        return TypedResults.Created($"/api/v1/deployment-plans/{plan.Id}", DeploymentPlanView.From(plan));
    }

    private static async Task<Results<Ok<DeploymentPlanView>, ProblemHttpResult>> GetPlan(Guid id, OpsDbContext db, CancellationToken ct) =>
        await db.DeploymentPlans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct) is { } p
            ? TypedResults.Ok(DeploymentPlanView.From(p))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Deployment plan {id} was not found.");

    /// <summary>The JSON body when there is one: these requests may come with none (a bare POST runs with the defaults).</summary>
    private static async Task<T?> OptionalBodyAsync<T>(HttpContext ctx, CancellationToken ct) where T : class
    {
        if (ctx.Request.ContentLength == 0 || (ctx.Request.ContentLength is null && ctx.Request.Headers.TransferEncoding.Count == 0)) return null;
        if (!ctx.Request.HasJsonContentType()) throw new InvalidInputException("body", "Send the body as application/json.");
        try
        {
            return await ctx.Request.ReadFromJsonAsync<T>(ct);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidInputException("body", $"The body is not valid JSON for this request: {e.Message}");
        }
    }

    private static async Task<Ok<List<MigrationTargetView>>> ListTargets(OpsDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.MigrationTargets.AsNoTracking().OrderBy(t => t.Service).ThenBy(t => t.Environment).ToListAsync(ct))
            .Select(MigrationTargetView.From).ToList());

    private static async Task<Ok<MigrationStatusView>> Status(string service, string environment, MigrationCoordinator coordinator, CancellationToken ct)
    {
        var (target, status) = await coordinator.StatusAsync(service, environment, ct);
        return TypedResults.Ok(MigrationStatusView.From(target, status));
    }

    private static async Task<Accepted<MigrationBatchView>> RequestAsync(string service, string environment, MigrationBatchRequest request, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct)
    {
        var batch = await coordinator.RequestAsync(ctx.ToActor(), service, environment, request, ct);
        return TypedResults.Accepted($"/api/v1/migration-batches/{batch.Id}", MigrationBatchView.From(batch));
    }

    private static async Task<Ok<MigrationTargetView>> SetTarget(string service, string environment, MigrationTargetBody body, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct) =>
        TypedResults.Ok(MigrationTargetView.From(await coordinator.SetTargetAsync(ctx.ToActor(), service, environment, body.Provider, body.ConnectionString, body.RequiresApproval, ct)));

    private static async Task<Ok<List<MigrationBatchView>>> ListBatches(string? service, string? environment, int? limit, OpsDbContext db, MigrationApprovalPolicy approvals, CancellationToken ct)
    {
        var q = db.MigrationBatches.AsNoTracking();
        if (!string.IsNullOrEmpty(service)) q = q.Where(b => b.Service == service);
        if (!string.IsNullOrEmpty(environment)) q = q.Where(b => b.Environment == environment);
        var rows = await q.OrderByDescending(b => b.RequestedAt).Take(Math.Clamp(limit ?? 50, 1, 500)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(b => MigrationBatchView.From(b, approvals)).ToList());
    }

    private static async Task<Results<Ok<MigrationBatchView>, ProblemHttpResult>> GetBatch(Guid id, OpsDbContext db, MigrationApprovalPolicy approvals, CancellationToken ct) =>
        await db.MigrationBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct) is { } b
            ? TypedResults.Ok(MigrationBatchView.From(b, approvals))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"Migration batch {id} was not found.");

    private static async Task<Accepted<MigrationBatchView>> Approve(Guid id, MigrationCoordinator coordinator, HttpContext ctx, CancellationToken ct)
    {
        var batch = await coordinator.ApproveAsync(ctx.ToActor(), id, ct);
        return TypedResults.Accepted($"/api/v1/migration-batches/{batch.Id}", MigrationBatchView.From(batch));
    }

    private static async Task<IResult> Evidence(Guid id, string? format, OpsDbContext db, CancellationToken ct)
    {
        var batch = await db.MigrationBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct) ?? throw new NotFoundException($"Migration batch {id}");
        if (batch.EvidenceJson is null || batch.EvidenceSha256 is null)
            throw new ConflictException($"Batch {id} is {batch.Status}: its evidence exists once it has run.");
        var name = $"migration-{batch.Service}-{batch.Environment}-{batch.Id:N}";
        if (string.Equals(format, "markdown", StringComparison.OrdinalIgnoreCase) || string.Equals(format, "md", StringComparison.OrdinalIgnoreCase))
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(EvidenceReport.ToMarkdown(EvidenceSeal.FromDocument(batch.EvidenceJson), batch.EvidenceSha256)),
                "text/markdown; charset=utf-8", name + ".md");
        if (format is { Length: > 0 } f && !string.Equals(f, "json", StringComparison.OrdinalIgnoreCase))
            throw new InvalidInputException("format", "The format is json (default) or markdown.");
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(batch.EvidenceJson), "application/json", name + ".json");
    }
}
