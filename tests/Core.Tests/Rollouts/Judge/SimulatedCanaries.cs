using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Core.Tests.Rollouts.Judge;

/// <summary>Canaries simulated request by request for a sequential test: how often it aborts a healthy one and passes a regression.</summary>
internal static class SimulatedCanaries
{
    public sealed record Rates(int Runs, int FalseAborts, int Missed, int Undecided)
    {
        public double FalseAbortRate => FalseAborts / (double)Runs;
        public double MissedRate => Missed / (double)Runs;
    }

    /// <summary><paramref name="runs"/> canaries at exactly <paramref name="p0"/> (healthy) and as many at exactly <paramref name="p1"/> (a regression), with a fixed seed.</summary>
    public static Rates Run(Func<IEnumerable<bool>, SequentialDecision> decide, int seed, double p0 = 0.01, double p1 = 0.05, int runs = 2000)
    {
        var random = new Random(seed);
        int falseAborts = 0, missed = 0, undecided = 0;
        for (var i = 0; i < runs; i++)
        {
            var healthy = decide(Outcomes(random, p0));
            if (healthy == SequentialDecision.Worse) falseAborts++;
            var regression = decide(Outcomes(random, p1));
            if (regression == SequentialDecision.NoWorse) missed++;
            if (healthy == SequentialDecision.Continue || regression == SequentialDecision.Continue) undecided++;
        }
        return new Rates(runs, falseAborts, missed, undecided);
    }

    /// <summary>Request outcomes (true: an error) with error ratio <paramref name="p"/>, enough for any decision.</summary>
    public static IEnumerable<bool> Outcomes(Random random, double p)
    {
        for (var i = 0; i < 100_000; i++) yield return random.NextDouble() < p;
    }
}
