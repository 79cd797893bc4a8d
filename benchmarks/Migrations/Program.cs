using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Targets.Postgres;

// Usage: MigrationBenchmarks <host> <port> <user> [changes=500] [runs=3]
// The PostgreSQL server is started by benchmarks/migrations-vs-psql-sqitch.sh.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var host = args[0];
var port = args[1];
var user = args[2];
var changes = args.Length > 3 ? int.Parse(args[3]) : 500;
var runs = args.Length > 4 ? int.Parse(args[4]) : 3;
// The console refuses a superuser target role, so every tool runs as an ordinary role owning its database.
const string runner = "bench_runner";
string AdminCs(string db) => $"Host={host};Port={port};Username={user};Database={db};Pooling=false";
string Cs(string db) => $"Host={host};Port={port};Username={runner};Database={db};Pooling=false";
if (await ScalarAsync(AdminCs("postgres"), $"SELECT count(*) FROM pg_roles WHERE rolname = '{runner}'") == 0)
    await ExecAsync(AdminCs("postgres"), $"CREATE ROLE {runner} LOGIN");

var work = Path.Combine(Path.GetTempPath(), "opsconsole-migration-bench", Guid.NewGuid().ToString("N"));
var ours = Path.Combine(work, "console", "bench");
var sqitch = Path.Combine(work, "sqitch");
Generate(changes, ours, sqitch);
var source = MigrationSource.ReadFolder(ours, "bench");
var actor = new Actor("bench", new HashSet<string> { Roles.ReleaseManager }, "bench");

var timings = new Dictionary<string, List<double>> { ["console"] = [], ["psql"] = [], ["sqitch"] = [] };
// Where the console runner's time goes, from its progress reports: connect + lock + preflight +
// snapshot before (until the first change starts), the changes, snapshot after + sealing.
var phases = new Dictionary<string, List<double>> { ["before the first change"] = [], ["changes"] = [], ["after the last change"] = [] };
var tools = Environment.GetEnvironmentVariable("BENCH_TOOLS")?.Split(',') ?? ["console", "psql", "sqitch"];
for (var run = 0; run < runs; run++)
{
    foreach (var tool in tools)
    {
        var db = $"bench_{tool}_{run}";
        await ExecAsync(AdminCs("postgres"), $"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db} OWNER {runner};");
        var watch = Stopwatch.StartNew();
        switch (tool)
        {
            case "console":
                var marks = new PhaseMarks(watch);
                var result = await new MigrationRunner().ApplyAsync(new MigrationRequest { RequestedBy = actor, Source = source, Target = new PostgresTarget(Cs(db)), Environment = "bench" }, progress: marks);
                if (result.Outcome != MigrationOutcome.Succeeded) throw new InvalidOperationException($"console runner: {result.Outcome}");
                var end = watch.Elapsed.TotalSeconds;
                phases["before the first change"].Add(marks.FirstChange);
                phases["changes"].Add(marks.LastChange - marks.FirstChange);
                phases["after the last change"].Add(end - marks.LastChange);
                break;
            case "psql":
                await RunAsync("psql", $"-X -q -v ON_ERROR_STOP=1 -h {host} -p {port} -U {runner} -d {db} -f {Path.Combine(work, "all-deploys.sql")}", work);
                break;
            case "sqitch":
                await RunAsync("sqitch", $"deploy --verify db:pg://{runner}@{host}:{port}/{db}", sqitch);
                break;
        }
        timings[tool].Add(watch.Elapsed.TotalSeconds);
        var tables = await ScalarAsync(Cs(db), "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench_t%'");
        if (tables != changes) throw new InvalidOperationException($"{tool} created {tables} tables, expected {changes}");
        Console.WriteLine($"run {run} {tool,-8} {watch.Elapsed.TotalSeconds,7:0.000} s");
    }
}
double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
double MedianOrNaN(List<double> xs) => xs.Count == 0 ? double.NaN : Median(xs);
var c = MedianOrNaN(timings["console"]); var p = MedianOrNaN(timings["psql"]); var q = MedianOrNaN(timings["sqitch"]);
Console.WriteLine($"{changes} changes, median of {runs}: console runner {c:0.000} s, psql {p:0.000} s, sqitch {q:0.000} s");
Console.WriteLine($"ratio console/psql {c / p:0.00}x (goal <= 1.5), console/sqitch {c / q:0.00}x (goal < 1)");
foreach (var (phase, xs) in phases)
    if (xs.Count > 0) Console.WriteLine($"console runner, {phase}: median {MedianOrNaN(xs):0.000} s");
Directory.Delete(work, true);

static void Generate(int n, string ours, string sqitch)
{
    Directory.CreateDirectory(ours);
    foreach (var d in new[] { "deploy", "verify", "revert" }) Directory.CreateDirectory(Path.Combine(sqitch, d));
    File.WriteAllText(Path.Combine(sqitch, "sqitch.conf"), "[core]\n\tengine = pg\n");
    var plan = new System.Text.StringBuilder("%syntax-version=1.0.0\n%project=bench\n\n");
    var all = new System.Text.StringBuilder();
    for (var i = 1; i <= n; i++)
    {
        var name = $"c{i:0000}";
        var deploy = $"CREATE TABLE bench_t{i:0000} (id integer PRIMARY KEY, name text NOT NULL DEFAULT '');\n";
        var verify = $"SELECT id, name FROM bench_t{i:0000} WHERE false;\n";
        var revert = $"DROP TABLE bench_t{i:0000};\n";
        var dir = Path.Combine(ours, $"{i:0000}_{name}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "deploy.sql"), deploy);
        File.WriteAllText(Path.Combine(dir, "verify.sql"), verify);
        File.WriteAllText(Path.Combine(dir, "revert.sql"), revert);
        // Sqitch runs each script in a transaction of its own, like the console; the same SQL.
        File.WriteAllText(Path.Combine(sqitch, "deploy", name + ".sql"), "BEGIN;\n" + deploy + "COMMIT;\n");
        File.WriteAllText(Path.Combine(sqitch, "verify", name + ".sql"), verify);
        File.WriteAllText(Path.Combine(sqitch, "revert", name + ".sql"), "BEGIN;\n" + revert + "COMMIT;\n");
        plan.Append($"{name} 2026-11-26T00:00:00Z Bench <bench@example.test> # change {i}\n");
        all.Append($"\\i {Path.Combine(dir, "deploy.sql")}\n");
    }
    File.WriteAllText(Path.Combine(sqitch, "sqitch.plan"), plan.ToString());
    File.WriteAllText(Path.Combine(Path.GetDirectoryName(sqitch)!, "all-deploys.sql"), all.ToString());
}

static async Task ExecAsync(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        await using var cmd = new NpgsqlCommand(statement, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

static async Task<long> ScalarAsync(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, conn);
    return Convert.ToInt64(await cmd.ExecuteScalarAsync());
}

static async Task RunAsync(string file, string arguments, string cwd)
{
    var psi = new ProcessStartInfo(file, arguments) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(psi)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {await stderr}");
}

/// <summary>Times of the runner's first change start and last change end, from its (synchronous) progress reports.</summary>
sealed class PhaseMarks(Stopwatch watch) : IProgress<MigrationProgress>
{
    public double FirstChange { get; private set; } = double.NaN;
    public double LastChange { get; private set; } = double.NaN;

    public void Report(MigrationProgress value)
    {
        if (value.Step == "change-started" && double.IsNaN(FirstChange)) FirstChange = watch.Elapsed.TotalSeconds;
        if (value.Step == "change-finished") LastChange = watch.Elapsed.TotalSeconds;
    }
}
