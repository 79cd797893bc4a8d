using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Releases;

/// <summary>A service's catalogue entry as a page or CI edits it.</summary>
public sealed record ServiceProfileRequest(string? Owner, string? RepositoryUrl, IReadOnlyList<string>? Runbooks);

/// <summary>One stage of a pipeline as it is submitted, in pipeline order (the first deploys first).</summary>
public sealed record PipelineStageRequest(string? Environment, IReadOnlyList<string>? RequiredChecks, int SoakMinutes = 0, int RequiredApprovals = 0, bool AutoDeploy = false, string? AnalysisTemplate = null,
    ErrorBudgetSetting? ErrorBudget = null);

/// <summary>A stage's error-budget gate: <c>{"required": true, "maxBurnRate": 2}</c> (maxBurnRate optional, default 2).</summary>
public sealed record ErrorBudgetSetting(bool Required, double? MaxBurnRate = null);

/// <summary>
/// The service catalogue (owner, repository, runbooks) and each service's promotion pipeline:
/// ordered stages over the service's deploy targets, with the checks, soak time and approvals a
/// release needs there. Changing either needs Admin or ReleaseManager.
/// </summary>
public sealed class ServiceCatalogue(OpsDbContext db, TimeProvider clock)
{
    public const int MaxStages = 10;
    private static readonly string[] EditorRoles = [Roles.Admin, Roles.ReleaseManager];

    public Task<ServiceProfile?> ProfileAsync(string service, CancellationToken ct = default) =>
        db.ServiceProfiles.AsNoTracking().FirstOrDefaultAsync(s => s.Service == service, ct);

    public async Task<IReadOnlyList<ServiceProfile>> ProfilesAsync(CancellationToken ct = default) =>
        await db.ServiceProfiles.AsNoTracking().OrderBy(s => s.Service).ToListAsync(ct);

    /// <summary>The service's stages in pipeline order (empty when it has no pipeline).</summary>
    public async Task<IReadOnlyList<PipelineStage>> PipelineAsync(string service, CancellationToken ct = default) =>
        await db.PipelineStages.AsNoTracking().Where(s => s.Service == service).OrderBy(s => s.Order).ToListAsync(ct);

    public async Task<ServiceProfile> SaveProfileAsync(Actor actor, string service, ServiceProfileRequest request, CancellationToken ct = default)
    {
        actor.Require("edit the service catalogue", EditorRoles);
        _ = new Cluster.ServiceEnvironment(service, "any");
        var owner = request.Owner?.Trim() ?? "";
        if (owner.Length > 256 || owner.Any(char.IsControl)) throw new InvalidInputException("owner", "The owner is at most 256 characters without control characters.");
        string? repo = null;
        if (!string.IsNullOrWhiteSpace(request.RepositoryUrl))
        {
            if (request.RepositoryUrl.Length > 2048 || !Uri.TryCreate(request.RepositoryUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
                throw new InvalidInputException("repositoryUrl", "The repository URL must be an absolute http or https URL without credentials.");
            repo = uri.ToString();
        }
        var runbooks = (request.Runbooks ?? []).Select(r => r?.Trim() ?? "").Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (runbooks.FirstOrDefault(r => r.Length > 100 || !r.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_')) is { } bad)
            throw new InvalidInputException("runbooks", $"'{(bad.Length > 70 ? bad[..70] + "…" : bad)}' is not a runbook slug: lowercase letters, digits, '-' and '_'.");
        var known = await db.DeployTargets.AnyAsync(t => t.Service == service, ct);
        var profile = await db.ServiceProfiles.FirstOrDefaultAsync(s => s.Service == service, ct);
        if (profile is null && !known && !actor.IsInRole(Roles.Admin))
            throw new NotFoundException($"Service '{service}' (only an Admin adds a service that has no deploy target yet)");
        var now = clock.GetUtcNow().UtcDateTime;
        var before = profile is null ? null : new { profile.Owner, profile.RepositoryUrl, profile.Runbooks };
        if (profile is null)
        {
            profile = new ServiceProfile { Service = service, CreatedAt = now };
            db.ServiceProfiles.Add(profile);
        }
        profile.Owner = owner;
        profile.RepositoryUrl = repo;
        profile.Runbooks = string.Join(',', runbooks);
        profile.UpdatedAt = now;
        AuditTrail.Record(db, actor, "service.profile.save", $"service/{service}", before, new { profile.Owner, profile.RepositoryUrl, profile.Runbooks });
        await db.SaveChangesAsync(ct);
        return profile;
    }

    /// <summary>Replaces the service's pipeline with the given stages, in order; every environment must be a deploy target of the service.</summary>
    public async Task<IReadOnlyList<PipelineStage>> SavePipelineAsync(Actor actor, string service, IReadOnlyList<PipelineStageRequest> stages, CancellationToken ct = default)
    {
        actor.Require("edit a pipeline", EditorRoles);
        _ = new Cluster.ServiceEnvironment(service, "any");
        if (stages.Count > MaxStages) throw new InvalidInputException("stages", $"A pipeline has at most {MaxStages} stages.");
        var environments = await db.DeployTargets.Where(t => t.Service == service).Select(t => t.Environment).ToListAsync(ct);
        if (environments.Count == 0 && stages.Count > 0) throw new NotFoundException($"Service '{service}' (it has no deploy target)");
        var templates = await db.AnalysisTemplates.Select(t => t.Name).Distinct().ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var built = new List<PipelineStage>();
        for (var i = 0; i < stages.Count; i++)
        {
            var s = stages[i];
            var field = $"stages[{i}]";
            var env = s.Environment?.Trim() ?? "";
            if (!environments.Contains(env))
                throw new InvalidInputException(field, $"Stage {i + 1}: '{Short(env)}' is not an environment of {service} (known: {string.Join(", ", environments.Order())}).");
            if (built.Any(b => b.Environment == env)) throw new InvalidInputException(field, $"Stage {i + 1}: '{env}' appears twice in the pipeline.");
            var checks = (s.RequiredChecks ?? []).Select(c => c?.Trim() ?? "").Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            if (checks.FirstOrDefault(c => c.Length > 63 || !c.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '-' or '_')) is { } badCheck)
                throw new InvalidInputException(field, $"Stage {i + 1}: '{Short(badCheck)}' is not a check name (lowercase letters, digits, '-', '_').");
            if (s.SoakMinutes is < 0 or > 10_080) throw new InvalidInputException(field, $"Stage {i + 1}: the soak time is 0 to 10080 minutes (a week).");
            if (s.RequiredApprovals is < 0 or > 5) throw new InvalidInputException(field, $"Stage {i + 1}: 0 to 5 approvals can be required.");
            if (s.AutoDeploy && i != 0) throw new InvalidInputException(field, $"Stage {i + 1}: only the first stage deploys automatically.");
            if (s.SoakMinutes > 0 && i == 0) throw new InvalidInputException(field, "The first stage has no previous stage to soak in: its soak time must be 0.");
            var template = string.IsNullOrWhiteSpace(s.AnalysisTemplate) ? null : s.AnalysisTemplate.Trim();
            if (template is not null && !templates.Contains(template)) throw new InvalidInputException(field, $"Stage {i + 1}: there is no analysis template '{Short(template)}'.");
            if (s.ErrorBudget?.MaxBurnRate is { } maxBurn && (double.IsNaN(maxBurn) || maxBurn <= 0 || maxBurn > 1000))
                throw new InvalidInputException(field, $"Stage {i + 1}: errorBudget.maxBurnRate is a burn rate above 0 and at most 1000 (e.g. 2).");
            built.Add(new PipelineStage
            {
                Service = service, Environment = env, Order = i, RequiredChecks = string.Join(',', checks), SoakMinutes = s.SoakMinutes,
                RequiredApprovals = s.RequiredApprovals, AutoDeploy = s.AutoDeploy, AnalysisTemplate = template, UpdatedAt = now,
                ErrorBudgetRequired = s.ErrorBudget?.Required == true, ErrorBudgetMaxBurnRate = s.ErrorBudget?.Required == true ? s.ErrorBudget.MaxBurnRate : null,
            });
        }
        var old = await db.PipelineStages.Where(s => s.Service == service).ToListAsync(ct);
        db.PipelineStages.RemoveRange(old);
        // The (service, order) index is unique: remove the old stages before inserting the new ones.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        db.PipelineStages.AddRange(built);
        AuditTrail.Record(db, actor, "pipeline.save", $"service/{service}",
            before: old.OrderBy(s => s.Order).Select(Summary).ToList(), after: built.Select(Summary).ToList());
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return built;
    }

    private static object Summary(PipelineStage s) => new { s.Environment, s.Order, s.RequiredChecks, s.SoakMinutes, s.RequiredApprovals, s.AutoDeploy, s.AnalysisTemplate, s.ErrorBudgetRequired, s.ErrorBudgetMaxBurnRate };

    private static string Short(string s) => s.Length <= 70 ? s : s[..70] + "…";
}
