using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Domain;
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
public sealed class MigrationTargets(IDataProtectionProvider protection, ConsoleOwnedFiles? owned = null)
{
    private readonly IDataProtector _protector = protection.CreateProtector("OpsConsole.Migrations.TargetConnectionString.v1");
    private readonly ConsoleOwnedFiles _owned = owned ?? ConsoleOwnedFiles.None;

    public string Protect(string connectionString) => _protector.Protect(connectionString);

    public ITargetDatabase Open(MigrationTargetConfig config) => Allowed(Create(config.Provider, _protector.Unprotect(config.ProtectedConnectionString)));

    /// <summary>The target, unless it is one of the console's own files; 400 otherwise.</summary>
    public ITargetDatabase Allowed(ITargetDatabase target)
    {
        if (target is SqliteTarget sqlite && _owned.Reason(sqlite.DataSource) is { } reason)
            throw new InvalidInputException("connectionString", reason);
        return target;
    }

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
