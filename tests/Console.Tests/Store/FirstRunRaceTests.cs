using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Events;
using OpsConsole.Core.Persistence;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Console.Tests.Store;

/// <summary>
/// Replicas started at once on an empty PostgreSQL store: every one of them gets through its first
/// run, and the store ends with exactly one first admin (and one provisioned admin token). PostgreSQL
/// by design (the race is between processes sharing one database), so it runs in every suite run on
/// a throwaway server of its own.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class FirstRunRaceTests(PostgresServer server)
{
    private const int Replicas = 4;

    [Fact]
    public async Task Replicas_starting_at_once_on_an_empty_store_all_start_and_create_one_admin_and_one_token()
    {
        var connection = server.ConnectionString(await server.CreateDatabaseAsync());
        var token = "opc_admin_" + Guid.NewGuid().ToString("N");
        var password = "pw-" + Guid.NewGuid().ToString("N");

        await RaceAsync(connection, Replicas, password, token);

        await using var db = NewContext(connection);
        var admin = await db.Users.SingleAsync();
        Assert.Equal(FirstRun.AdminUserName, admin.UserName);
        Assert.Equal(Roles.All.Count, await db.Roles.CountAsync());
        Assert.Equal(Roles.All.Count, await db.UserRoles.CountAsync(r => r.UserId == admin.Id));
        var provisioned = await db.ApiTokens.SingleAsync();
        Assert.Equal(FirstRun.ProvisionedTokenName, provisioned.Name);
        Assert.Equal(admin.Id, provisioned.UserId);
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "console.initialise"));
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "token.create"));
        var verdict = await AuditTrail.VerifyAsync(db);
        Assert.True(verdict.IsIntact, verdict.Reason);

        // The admin signs in with the password every replica was given.
        await using var services = NewReplica(connection, new StringWriter());
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByNameAsync(FirstRun.AdminUserName))!, password));
    }

    [Fact]
    public async Task Replicas_starting_at_once_without_a_password_print_one_generated_password_and_it_signs_in()
    {
        var connection = server.ConnectionString(await server.CreateDatabaseAsync());

        var outputs = await RaceAsync(connection, Replicas, adminPassword: null, adminToken: null);

        // Exactly one replica created the admin, so exactly one printed a password: the one the store holds.
        var printed = outputs.Select(o => o.ToString()).Where(o => o.Contains("generated password", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(printed);
        var password = line.Split("generated password ")[1].Split(' ')[0];
        await using var db = NewContext(connection);
        Assert.Equal(FirstRun.AdminUserName, (await db.Users.SingleAsync()).UserName);
        Assert.Empty(await db.ApiTokens.ToListAsync());
        await using var services = NewReplica(connection, new StringWriter());
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByNameAsync(FirstRun.AdminUserName))!, password));
    }

    /// <summary>Migrates the store, then runs every replica's first run at the same moment; returns what each printed for its operator.</summary>
    private static async Task<StringWriter[]> RaceAsync(string connection, int replicas, string? adminPassword, string? adminToken)
    {
        await using (var db = NewContext(connection)) await StoreProvider.MigrateAsync(db);
        var outputs = Enumerable.Range(0, replicas).Select(_ => new StringWriter()).ToArray();
        var providers = outputs.Select(o => NewReplica(connection, o)).ToArray();
        try
        {
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = providers.Select(services => Task.Run(async () =>
            {
                await using var scope = services.CreateAsyncScope();
                var firstRun = scope.ServiceProvider.GetRequiredService<FirstRun>();
                // Each replica has its connection open before the start signal, so they really meet in the store.
                await scope.ServiceProvider.GetRequiredService<OpsDbContext>().Database.OpenConnectionAsync();
                await go.Task;
                await firstRun.EnsureAsync(adminPassword, adminToken);
            })).ToArray();
            go.SetResult();
            await Task.WhenAll(runs); // every replica starts: none of them fails on what another one created
        }
        finally
        {
            foreach (var services in providers) await services.DisposeAsync();
        }
        return outputs;
    }

    /// <summary>One replica's services for its first run, as the console registers them, on the shared store.</summary>
    private static ServiceProvider NewReplica(string connection, StringWriter operatorOutput)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddDbContextFactory<OpsDbContext>(o => o.UseStore(StoreKind.Postgres, connection));
        services.AddIdentityCore<ConsoleUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<OpsDbContext>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(EventSource.ForInstance("replica-" + Guid.NewGuid().ToString("N")[..8]));
        services.AddSingleton<EventOutbox>();
        services.AddScoped<ApiTokens>();
        services.AddScoped<FirstRun>();
        services.AddSingleton(new OperatorNotice(operatorOutput));
        return services.BuildServiceProvider();
    }

    private static OpsDbContext NewContext(string connection)
    {
        var options = new DbContextOptionsBuilder<OpsDbContext>();
        options.UseStore(StoreKind.Postgres, connection);
        return new OpsDbContext(options.Options);
    }
}
