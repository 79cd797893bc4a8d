using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Core.Promotions;

namespace OpsConsole.Core.Releases;

/// <summary>What CI sends to register a build as a release.</summary>
public sealed record ReleaseRegistration(string? Service, string? Version, string? Commit, DateTimeOffset? CommitTime, string? BuildUrl, string? Changelog, string? ArtifactRef = null);

/// <summary>The outcome of a registration: the release, whether this call created it, and what the first stage's automatic deployment answered.</summary>
public sealed record RegisteredRelease(Release Release, bool Created, PromotionTicket? AutoDeploy, string? AutoDeployError);

/// <summary>
/// Releases as CI registers them and the test results it reports against them. Registering needs
/// ReleaseManager, Admin or a Ci-scoped token; a repeat with identical content answers the same
/// release, different content for the same service and version is a conflict. When the service's
/// first pipeline stage deploys automatically, a promotion is requested after the release is saved
/// (its failure never undoes the registration: it is logged and audited).
/// </summary>
public sealed partial class ReleaseRegistry(OpsDbContext db, EventOutbox outbox, TimeProvider clock, IServiceProvider services, ILogger<ReleaseRegistry>? logger = null)
{
    private static readonly string[] WriterRoles = [Roles.ReleaseManager, Roles.Admin, TokenScopes.Ci];
    private readonly ILogger _log = (ILogger?)logger ?? NullLogger.Instance;

    public async Task<RegisteredRelease> RegisterAsync(Actor actor, ReleaseRegistration request, CancellationToken ct = default)
    {
        actor.Require("register a release", WriterRoles);
        var release = await ValidateAsync(actor, request, ct);
        if (await FindAsync(release.Service, release.Version, ct) is { } existing)
            return Repeat(existing, release);

        db.Releases.Add(release);
        AuditTrail.Record(db, actor, "release.register", $"release/{release.Service}/{release.Version}",
            after: new { release.Service, release.Version, commit = release.CommitSha, release.CommitTime, release.BuildUrl });
        outbox.Add(db, actor, EventTypes.ReleaseRegistered, release.Service, new
        {
            service = release.Service, version = release.Version, commit = release.CommitSha, commitTime = release.CommitTime,
            buildUrl = release.BuildUrl, releaseId = release.Id,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another registration of the same service and version won the race: answer as a repeat.
            db.ChangeTracker.Clear();
            if (await FindAsync(release.Service, release.Version, ct) is { } winner) return Repeat(winner, release);
            throw;
        }
        var (ticket, error) = await AutoDeployAsync(actor, release, ct);
        return new RegisteredRelease(release, true, ticket, error);
    }

    private static RegisteredRelease Repeat(Release existing, Release candidate) =>
        existing.ContentHash == candidate.ContentHash
            ? new RegisteredRelease(existing, false, null, null)
            : throw new ConflictException($"Release {candidate.Service} {candidate.Version} is already registered with different content " +
                                          $"(commit {existing.CommitSha[..Math.Min(12, existing.CommitSha.Length)]}); a version is registered once: use a new version.");

    /// <summary>The release with its checks, or null.</summary>
    public Task<Release?> FindAsync(string service, string version, CancellationToken ct = default) =>
        db.Releases.Include(r => r.Checks).FirstOrDefaultAsync(r => r.Service == service && r.Version == version, ct);

    /// <summary>A service's releases (or every service's when null), newest first, with their checks.</summary>
    public async Task<IReadOnlyList<Release>> ListAsync(string? service, int limit = 50, CancellationToken ct = default)
    {
        var q = db.Releases.AsNoTracking().Include(r => r.Checks).AsQueryable();
        if (!string.IsNullOrEmpty(service)) q = q.Where(r => r.Service == service);
        return await q.OrderByDescending(r => r.RegisteredAt).Take(Math.Clamp(limit, 1, 500)).ToListAsync(ct);
    }

    /// <summary>
    /// Records the JUnit report under the check's name (replacing an earlier report of that name).
    /// A report that cannot be read changes nothing.
    /// </summary>
    public async Task<ReleaseCheck> ReportCheckAsync(Actor actor, string service, string version, string? name, ReadOnlyMemory<byte> junitXml, CancellationToken ct = default)
    {
        actor.Require("report test results", WriterRoles);
        if (string.IsNullOrEmpty(name) || !CheckName().IsMatch(name))
            throw new InvalidInputException("name", $"The check name '{Shorten(name)}' is not valid: use 1 to 63 lowercase letters, digits, '-' or '_' (e.g. unit, e2e).");
        var release = await FindAsync(service, version, ct) ?? throw new NotFoundException($"Release {Shorten(service)} {Shorten(version)}");
        var report = JUnitReport.Parse(junitXml);
        var now = clock.GetUtcNow().UtcDateTime;
        var previous = release.Checks.FirstOrDefault(c => c.Name == name);
        if (previous is not null) db.ReleaseChecks.Remove(previous);
        var check = new ReleaseCheck
        {
            ReleaseId = release.Id, Name = name, Passed = report.Passed, Tests = report.Tests, Failures = report.Failures, Errors = report.Errors,
            Skipped = report.Skipped, DurationSeconds = report.DurationSeconds, FailedTestsJson = JsonSerializer.Serialize(report.FailedTests),
            ReportedBy = actor.Name, ReportedAt = now,
        };
        db.ReleaseChecks.Add(check);
        var summary = new { check = name, passed = check.Passed, tests = check.Tests, failures = check.Failures, errors = check.Errors, skipped = check.Skipped };
        AuditTrail.Record(db, actor, "release.checks.report", $"release/{service}/{version}",
            before: previous is null ? null : new { check = name, passed = previous.Passed, tests = previous.Tests, failures = previous.Failures }, after: summary);
        outbox.Add(db, actor, EventTypes.ReleaseChecksReported, service, new
        {
            service, version, releaseId = release.Id, check = name, passed = check.Passed, tests = check.Tests,
            failures = check.Failures, errors = check.Errors, skipped = check.Skipped, replaced = previous is not null,
        });
        await db.SaveChangesAsync(ct);
        return check;
    }

    private async Task<Release> ValidateAsync(Actor actor, ReleaseRegistration r, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[field] = [message];

        var service = r.Service?.Trim() ?? "";
        try { _ = new ServiceEnvironment(service, "any"); }
        catch (InvalidInputException e) { Fail("service", e.Message); }
        var version = r.Version ?? "";
        try { _ = new RevisionSpec(version); }
        catch (InvalidInputException e) { Fail("version", e.Message); }
        var commit = r.Commit?.Trim().ToLowerInvariant() ?? "";
        if (!CommitSha().IsMatch(commit)) Fail("commit", "The commit must be a hexadecimal SHA of 7 to 64 characters.");
        if (r.CommitTime is null) Fail("commitTime", "The commit time is required (ISO 8601 with an offset, e.g. 2026-11-28T10:00:00Z).");
        else if (r.CommitTime.Value.UtcDateTime > clock.GetUtcNow().UtcDateTime.AddDays(1)) Fail("commitTime", "The commit time lies in the future.");
        string? buildUrl = null;
        if (!string.IsNullOrWhiteSpace(r.BuildUrl))
        {
            if (r.BuildUrl.Length > 2048 || !Uri.TryCreate(r.BuildUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
                Fail("buildUrl", "The build URL must be an absolute http or https URL without credentials, at most 2048 characters.");
            else buildUrl = uri.ToString();
        }
        var artifact = string.IsNullOrWhiteSpace(r.ArtifactRef) ? null : r.ArtifactRef.Trim();
        if (artifact is { Length: > 512 } || artifact?.Any(char.IsControl) == true) Fail("artifactRef", "The artifact reference is at most 512 characters without control characters.");
        var changelog = r.Changelog ?? "";
        if (changelog.Length > Release.MaxChangelogLength) Fail("changelog", $"The changelog is {changelog.Length} characters; at most {Release.MaxChangelogLength} are kept.");
        if (errors.Count > 0) throw new InvalidInputException(errors.Values.First()[0], errors);

        var known = await db.ServiceProfiles.AnyAsync(s => s.Service == service, ct) || await db.DeployTargets.AnyAsync(t => t.Service == service, ct);
        if (!known)
            throw new InvalidInputException("service", $"The service '{service}' is not known to this console: add it to the service catalogue (or deploy it once) before registering releases.");
        var commitTime = r.CommitTime!.Value.UtcDateTime;
        return new Release
        {
            Service = service, Version = version, CommitSha = commit, CommitTime = commitTime, BuildUrl = buildUrl, ArtifactRef = artifact,
            Changelog = changelog, RegisteredBy = actor.Name, RegisteredAt = clock.GetUtcNow().UtcDateTime,
            ContentHash = Hash(service, version, commit, commitTime, buildUrl, artifact, changelog),
        };
    }

    private static string Hash(string service, string version, string commit, DateTime commitTime, string? buildUrl, string? artifact, string changelog)
    {
        var text = string.Join('\n', service, version, commit, commitTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), buildUrl ?? "", artifact ?? "", changelog);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private async Task<(PromotionTicket?, string?)> AutoDeployAsync(Actor actor, Release release, CancellationToken ct)
    {
        var first = await db.PipelineStages.AsNoTracking().FirstOrDefaultAsync(s => s.Service == release.Service && s.Order == 0, ct);
        if (first is not { AutoDeploy: true }) return (null, null);
        var promotions = services.GetService<IPromotionRequests>();
        if (promotions is null) return (null, null);
        try
        {
            var ticket = await promotions.RequestAsync(actor, release.Service, release.Version, first.Environment, ct);
            LogAutoDeploy(release.Service, release.Version, first.Environment, ticket.Id);
            return (ticket, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogAutoDeployFailed(e, release.Service, release.Version, first.Environment);
            var reason = e is DomainException ? e.Message : "the promotion could not be requested (see the console log).";
            db.ChangeTracker.Clear();
            AuditTrail.Record(db, actor, "release.auto-deploy.failed", $"release/{release.Service}/{release.Version}",
                after: new { environment = first.Environment, reason });
            await db.SaveChangesAsync(CancellationToken.None);
            return (null, reason);
        }
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length <= 70 ? s : s[..70] + "…";

    [GeneratedRegex("^[0-9a-f]{7,64}$")]
    private static partial Regex CommitSha();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex CheckName();

    [LoggerMessage(LogLevel.Information, "Release {Service} {Version}: automatic deployment to {Environment} requested (promotion {PromotionId})")]
    private partial void LogAutoDeploy(string service, string version, string environment, Guid promotionId);

    [LoggerMessage(LogLevel.Warning, "Release {Service} {Version}: the automatic deployment to {Environment} could not be requested; the release stays registered")]
    private partial void LogAutoDeployFailed(Exception e, string service, string version, string environment);
}
