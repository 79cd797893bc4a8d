namespace OpsConsole.E2E.Tests;

/// <summary>
/// A console with the demo on: checkout, catalog and payments in dev, staging and prod running
/// 1.0.0 as real workload processes behind the local ingress, with generated traffic, so a
/// rollout started in the browser deploys, shifts and rolls back real traffic.
/// </summary>
public sealed class DemoConsoleBrowserFixture : ConsoleBrowserFixture
{
    public const int RequestsPerSecond = 10;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OPS_DEMO"] = "true",
        ["OPS_DEMO_RPS"] = RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(Name)]
public sealed class DemoConsoleBrowserCollection : ICollectionFixture<DemoConsoleBrowserFixture>
{
    public const string Name = "demo console in a browser";
}
