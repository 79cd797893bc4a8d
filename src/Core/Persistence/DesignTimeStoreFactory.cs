using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OpsConsole.Core.Persistence;

/// <summary>
/// Lets `dotnet ef migrations add` build the model without starting the console. SQLite by default;
/// `-- --store postgres` after the command (or OPS_STORE=postgres) builds the PostgreSQL model, whose
/// migrations live in their own project (src/Core.Postgres). No connection is opened.
/// </summary>
public sealed class DesignTimeStoreFactory : IDesignTimeDbContextFactory<OpsDbContext>
{
    public OpsDbContext CreateDbContext(string[] args)
    {
        var index = Array.IndexOf(args, "--store");
        var kind = StoreProvider.Parse(index >= 0 && index + 1 < args.Length ? args[index + 1] : Environment.GetEnvironmentVariable("OPS_STORE"));
        var connection = kind == StoreKind.Postgres ? "Host=localhost;Database=opsconsole" : "Data Source=design-time.db";
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(kind, connection);
        return new(options.Options);
    }
}
