using System.Text;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Cluster.Local;

namespace OpsConsole.Cluster.Tests;

public sealed class WorkloadSecretsTests
{
    /// <summary>Resolves one reference to a known value, as the config store does.</summary>
    private sealed class OneSecret(string reference, string value) : IWorkloadSecrets
    {
        public ValueTask<IReadOnlyDictionary<string, string>> ResolveAsync(ServiceEnvironment target, IReadOnlyDictionary<string, string> config, CancellationToken ct = default) =>
            ValueTask.FromResult<IReadOnlyDictionary<string, string>>(config.ToDictionary(p => p.Key, p => p.Value == reference ? value : p.Value));
    }

    [Fact]
    public async Task The_process_gets_the_resolved_secret_while_the_revision_keeps_the_reference()
    {
        var data = Path.Combine(Path.GetTempPath(), "opsconsole-cluster-tests", Guid.NewGuid().ToString("N"));
        var secret = "s-" + Guid.NewGuid().ToString("N");
        const string reference = "${secret:DB_PASSWORD@1}";
        await using (var cluster = new LocalClusterAdapter(TestCluster.Options(data), secrets: new OneSecret(reference, secret)))
        {
            var target = new ServiceEnvironment("checkout", "dev");
            var revision = await cluster.DeployRevisionAsync(target, new RevisionSpec("1.0.0", 1, new Dictionary<string, string> { ["DB_PASSWORD"] = reference, ["FEATURE"] = "on" }));
            var pid = (await cluster.GetInstanceHealthAsync(target, revision.Name)).Single().ProcessId!.Value;

            var environment = Encoding.UTF8.GetString(await File.ReadAllBytesAsync($"/proc/{pid}/environ")).Split('\0');
            Assert.Contains($"DB_PASSWORD={secret}", environment);
            Assert.Contains("FEATURE=on", environment);
            Assert.Equal(reference, revision.Config["DB_PASSWORD"]);
            Assert.Equal(reference, (await cluster.GetServiceAsync(target))!.Revisions.Single().Config["DB_PASSWORD"]);
        }
        Directory.Delete(data, recursive: true);
    }
}
