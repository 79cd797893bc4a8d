namespace OpsConsole.Console.Hosting;

/// <summary>
/// The console's settings, read from configuration and the OPS_* environment variables
/// (the README lists them all).
/// </summary>
public sealed class ConsoleSettings
{
    public required string DataDirectory { get; init; }
    public required string InstanceName { get; init; }
    public string? AdminPassword { get; init; }
    public string? AdminToken { get; init; }
    public TimeSpan JobPollInterval { get; init; } = TimeSpan.FromSeconds(1);
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;
    /// <summary>Seed the demo services and send them traffic (OPS_DEMO, default true).</summary>
    public bool Demo { get; init; } = true;
    /// <summary>Demo traffic per service and environment (OPS_DEMO_RPS, default 5).</summary>
    public double DemoRequestsPerSecond { get; init; } = 5;
    /// <summary>Hosts on loopback or private ranges that analysis checks and webhooks may call (OPS_EGRESS_ALLOW: host or host:port, comma-separated; default none).</summary>
    public string? EgressAllow { get; init; }
    /// <summary>
    /// Several console replicas share this store (OPS_SHARED_STORE; default true on PostgreSQL, false on SQLite): rollouts are driven
    /// under leases in the store, one replica per rollout, and move to a live replica when one dies.
    /// </summary>
    public bool SharedStore { get; init; }
    /// <summary>
    /// With a shared store, spread rollouts over the live replicas (OPS_REPLICA_ROLLOUTS=spread) when
    /// every environment runs on a cluster all replicas reach; by default the replica holding the
    /// cluster lease drives them all, as the local cluster's processes live in one replica.
    /// </summary>
    public bool SpreadRollouts { get; init; }
    /// <summary>Which engine holds the store (OPS_STORE: sqlite, the default, or postgres).</summary>
    public Core.Persistence.StoreKind Store { get; init; } = Core.Persistence.StoreKind.Sqlite;
    /// <summary>The Npgsql connection string when <see cref="Store"/> is PostgreSQL (OPS_STORE_CONNECTION).</summary>
    public string? StoreConnection { get; init; }

    /// <summary>The SQLite store: OPS_SQLITE_FILE, else opsconsole.db in the data folder. Replicas on one machine may share one file (OPS_SHARED_STORE), each with its own data folder.</summary>
    public string StorePath => SqliteFile ?? Path.Combine(DataDirectory, "opsconsole.db");
    public string? SqliteFile { get; init; }
    public string JobStorePath => Path.Combine(DataDirectory, "jobs.db");
    public string KeysDirectory => Path.Combine(DataDirectory, "keys");

    public static ConsoleSettings From(IConfiguration config)
    {
        var store = Core.Persistence.StoreProvider.Parse(config["OPS_STORE"]);
        var storeConnection = config["OPS_STORE_CONNECTION"];
        if (store == Core.Persistence.StoreKind.Postgres && string.IsNullOrWhiteSpace(storeConnection))
            throw new InvalidOperationException("OPS_STORE=postgres needs OPS_STORE_CONNECTION, an Npgsql connection string (Host=...;Database=...;Username=...;Password=...).");
        var dataDir = config["OPS_DATA_DIR"] is { Length: > 0 } d ? d : "data";
        dataDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dataDir);
        return new ConsoleSettings
        {
            DataDirectory = dataDir,
            InstanceName = config["OPS_INSTANCE"] is { Length: > 0 } i ? i : Environment.MachineName.ToLowerInvariant(),
            AdminPassword = config["OPS_ADMIN_PASSWORD"],
            AdminToken = config["OPS_ADMIN_TOKEN"],
            Demo = !string.Equals(config["OPS_DEMO"], "false", StringComparison.OrdinalIgnoreCase) && config["OPS_DEMO"] != "0",
            DemoRequestsPerSecond = double.TryParse(config["OPS_DEMO_RPS"], System.Globalization.CultureInfo.InvariantCulture, out var rps) && rps >= 0 ? rps : 5,
            EgressAllow = config["OPS_EGRESS_ALLOW"],
            SqliteFile = config["OPS_SQLITE_FILE"] is { Length: > 0 } f ? Path.GetFullPath(f) : null,
            // A PostgreSQL store is there to be shared by replicas; a SQLite file only when asked.
            SharedStore = config["OPS_SHARED_STORE"] is { Length: > 0 } shared
                ? string.Equals(shared, "true", StringComparison.OrdinalIgnoreCase) || shared == "1"
                : store == Core.Persistence.StoreKind.Postgres,
            SpreadRollouts = string.Equals(config["OPS_REPLICA_ROLLOUTS"], "spread", StringComparison.OrdinalIgnoreCase),
            Store = store,
            StoreConnection = store == Core.Persistence.StoreKind.Postgres ? storeConnection : null,
            JobPollInterval = double.TryParse(config["OPS_JOB_POLL_SECONDS"], System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
                ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(1),
        };
    }
}
