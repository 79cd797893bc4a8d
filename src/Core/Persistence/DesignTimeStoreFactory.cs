using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OpsConsole.Core.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the console.</summary>
public sealed class DesignTimeStoreFactory : IDesignTimeDbContextFactory<OpsDbContext>
{
    public OpsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<OpsDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
