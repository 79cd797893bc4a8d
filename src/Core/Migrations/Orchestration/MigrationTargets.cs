using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Targets;
using OpsConsole.Core.Migrations.Targets.Postgres;
using OpsConsole.Core.Migrations.Targets.Sqlite;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>
/// Where each service's migrations run: protects connection strings at rest and turns a stored
/// target into an <see cref="ITargetDatabase"/>. A connection string leaves this class only inside
/// a target object, which redacts it from everything it reports.
/// </summary>
public sealed class MigrationTargets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("OpsConsole.Migrations.TargetConnectionString.v1");

    public string Protect(string connectionString) => _protector.Protect(connectionString);

    public ITargetDatabase Open(MigrationTargetConfig config) => Create(config.Provider, _protector.Unprotect(config.ProtectedConnectionString));

    /// <summary>A target for a connection string; 400 when the string cannot be used.</summary>
    public static ITargetDatabase Create(TargetKind provider, string connectionString)
    {
        try
        {
            return provider == TargetKind.Postgres ? new PostgresTarget(connectionString) : new SqliteTarget(connectionString);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The driver's message may quote the string: say only that it is not usable.
            throw new InvalidInputException("connectionString", $"The connection string is not a valid {provider} connection string.");
        }
    }

    public static TargetKind ParseProvider(string? provider) => provider?.Trim().ToLowerInvariant() switch
    {
        "sqlite" => TargetKind.Sqlite,
        "postgres" or "postgresql" => TargetKind.Postgres,
        _ => throw new InvalidInputException("provider", "The provider is 'sqlite' or 'postgres'."),
    };

    public static bool IsValidName(string? name) => MigrationSource.IsValidService(name);

    /// <summary>
    /// First-run targets for the demo: a SQLite file per service and environment under
    /// <paramref name="directory"/>; prod needs approval. Targets that exist are left alone.
    /// </summary>
    public async Task SeedSqliteAsync(OpsDbContext db, string directory, IEnumerable<string> services, IEnumerable<string> environments,
        Func<string, bool> requiresApproval, DateTime now, CancellationToken ct = default)
    {
        Directory.CreateDirectory(directory);
        var existing = await db.MigrationTargets.AsNoTracking().Select(t => new { t.Service, t.Environment }).ToListAsync(ct);
        foreach (var service in services)
        foreach (var environment in environments)
        {
            if (existing.Any(e => e.Service == service && e.Environment == environment)) continue;
            var file = Path.Combine(directory, $"{service}-{environment}.db");
            var target = new SqliteTarget($"Data Source={file}");
            db.MigrationTargets.Add(new MigrationTargetConfig
            {
                Service = service, Environment = environment, Provider = TargetKind.Sqlite, Description = target.Description,
                ProtectedConnectionString = Protect($"Data Source={file}"), RequiresApproval = requiresApproval(environment),
                UpdatedBy = "system", UpdatedAt = now,
            });
        }
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>The services' migration sources, read from a folder in the documented layout (migrations/ beside the console).</summary>
public sealed class MigrationCatalog(string root)
{
    public string Root { get; } = root;

    public IReadOnlyList<string> Services => Directory.Exists(Root) ? MigrationSource.ListServices(Root) : [];

    public MigrationSource Read(string service)
    {
        var dir = Path.Combine(Root, service);
        if (!MigrationSource.IsValidService(service) || !Directory.Exists(dir))
            throw new NotFoundException($"Migrations of service '{service}'");
        return MigrationSource.ReadFolder(dir, service);
    }
}

/// <summary>
/// In-process notices of batch changes and live progress, for the UI (no polling). A batch's latest
/// progress is kept so a page that opens mid-run shows where it is.
/// </summary>
public sealed class MigrationUpdates
{
    private event Action<Guid>? Changed;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, MigrationProgress> _progress = new();

    public IDisposable Subscribe(Action<Guid> onChange)
    {
        Changed += onChange;
        return new Unsubscriber(() => Changed -= onChange);
    }

    public void Publish(Guid batchId) => Changed?.Invoke(batchId);

    public void Report(MigrationProgress progress)
    {
        _progress[progress.BatchId] = progress;
        Publish(progress.BatchId);
    }

    public MigrationProgress? Progress(Guid batchId) => _progress.GetValueOrDefault(batchId);

    public void Finished(Guid batchId)
    {
        _progress.TryRemove(batchId, out _);
        Publish(batchId);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>Runs a batch now or at a time (Hangfire in the console).</summary>
public interface IMigrationJobQueue
{
    void RunNow(Guid batchId);
    void RunAt(Guid batchId, DateTime whenUtc);
}
