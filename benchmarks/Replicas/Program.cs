using System.Globalization;

// Usage: ReplicaBenchmarks failover [trials] [graceful trials] | ReplicaBenchmarks fanout [clients] [events] [rounds]
// Both start a throwaway PostgreSQL server from Debian's binaries and real console processes from the
// console's Release build output (see Replica.ConsoleDll); see docs/benchmarks.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var which = args.FirstOrDefault() ?? "";
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
switch (which)
{
    case "failover":
        await FailoverBenchmark.RunAsync(Arg(1, 10), Arg(2, 3));
        break;
    case "fanout":
        await FanoutBenchmark.RunAsync(Arg(1, 200), Arg(2, 50), Arg(3, 2));
        break;
    default:
        Console.Error.WriteLine("Usage: ReplicaBenchmarks failover [trials=10] [graceful trials=3] | ReplicaBenchmarks fanout [clients=200] [events=50] [rounds=2]");
        return 2;
}
return 0;
