using YamlDotNet.RepresentationModel;
using static OpsConsole.Console.Tests.Deploy.DeployFiles;

namespace OpsConsole.Console.Tests.Deploy;

/// <summary>What an operator relies on in deploy/kubernetes: two replicas that stay up through rollouts and drains, probes on the console's health endpoints, secrets kept in a Secret.</summary>
public sealed class KubernetesManifestTests
{
    private const string Dir = "deploy/kubernetes/";
    private static readonly string[] SecretSettings = ["OPS_STORE_CONNECTION", "OPS_ADMIN_PASSWORD", "OPS_ADMIN_TOKEN", "OPS_KEYS_CERT_PASSWORD"];

    private static YamlMappingNode Deployment => Manifest(Dir + "deployment.yaml", "Deployment");

    private static YamlMappingNode Console => (YamlMappingNode)Assert.Single(Seq(Deployment, "spec", "template", "spec", "containers"), c => Str(c, "name") == "console");

    [Fact]
    public void Two_replicas_and_a_rolling_update_that_keeps_one_up()
    {
        var spec = Map(Deployment, "spec");
        var replicas = int.Parse(Str(spec, "replicas")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(2, replicas);
        Assert.Equal("RollingUpdate", Str(spec, "strategy", "type"));
        // maxUnavailable 0: the old pod goes only once the new one is ready.
        Assert.Equal("0", Str(spec, "strategy", "rollingUpdate", "maxUnavailable"));
        Assert.NotEqual("0", Str(spec, "strategy", "rollingUpdate", "maxSurge"));
    }

    [Fact]
    public void Probes_ask_healthz_and_readyz_on_the_image_port()
    {
        var image = Container();
        var ports = Seq(Console, "ports");
        string PortOf(string probe)
        {
            var port = Str(Console, probe, "httpGet", "port") ?? throw new Xunit.Sdk.XunitException($"{probe} has no httpGet port");
            // A named port resolves to the container port of that name.
            return ports.Where(p => Str(p, "name") == port).Select(p => Str(p, "containerPort")!).SingleOrDefault() ?? port;
        }

        Assert.Equal("/healthz", Str(Console, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", Str(Console, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/healthz", Str(Console, "startupProbe", "httpGet", "path"));
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            Assert.Equal(image.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), PortOf(probe));

        // The first start of a release migrates the store before it listens: the startup probe waits minutes, not seconds.
        var period = int.Parse(Str(Console, "startupProbe", "periodSeconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        var failures = int.Parse(Str(Console, "startupProbe", "failureThreshold") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(period * failures >= 180, $"the startup probe gives up after {period * failures} s");
    }

    [Fact]
    public void Disruption_budget_keeps_one_pod_of_the_deployment()
    {
        var pdb = Manifest(Dir + "pdb.yaml", "PodDisruptionBudget");
        Assert.Equal("1", Str(pdb, "spec", "minAvailable"));
        var podLabels = Strings(Map(Deployment, "spec", "template", "metadata", "labels"));
        var pdbSelector = Strings(Map(pdb, "spec", "selector", "matchLabels"));
        Assert.NotEmpty(pdbSelector);
        Assert.All(pdbSelector, l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
        Assert.Equal(Strings(Map(Deployment, "spec", "selector", "matchLabels")), pdbSelector);
        Assert.Equal(Str(Deployment, "metadata", "namespace"), Str(pdb, "metadata", "namespace"));

        var service = Manifest(Dir + "service.yaml", "Service");
        Assert.All(Strings(Map(service, "spec", "selector")), l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
        Assert.Equal("http", Str(Assert.Single(Seq(service, "spec", "ports")), "targetPort"));
    }

    [Fact]
    public void Secrets_come_from_the_secret_and_are_never_inlined()
    {
        var env = Seq(Console, "env").ToDictionary(e => Str(e, "name")!, e => e);
        foreach (var name in SecretSettings)
        {
            Assert.True(env.TryGetValue(name, out var entry), $"{name} is not given to the console");
            Assert.Null(Get(entry, "value"));
            Assert.Equal("opsconsole-secrets", Str(entry, "valueFrom", "secretKeyRef", "name"));
            Assert.Equal(name, Str(entry, "valueFrom", "secretKeyRef", "key"));
        }

        // No password, token or connection string as a plain value: not in the Deployment, not in the ConfigMap.
        static bool Secretish(string key) => key.Contains("PASSWORD", StringComparison.Ordinal) || key.Contains("TOKEN", StringComparison.Ordinal) || key.Contains("CONNECTION", StringComparison.Ordinal);
        Assert.DoesNotContain(env, e => Secretish(e.Key) && Get(e.Value, "value") is not null);
        var config = Strings(Map(Manifest(Dir + "configmap.yaml", "ConfigMap"), "data"));
        Assert.DoesNotContain(config.Keys, Secretish);

        // The kustomization makes that Secret from secrets.env (example committed) and keys.pfx.
        var kustomization = Assert.Single(LoadYaml(Dir + "kustomization.yaml"));
        var generator = Assert.Single(Seq(kustomization, "secretGenerator"), g => Str(g, "name") == "opsconsole-secrets");
        Assert.Equal(new[] { "secrets.env" }, Seq(generator, "envs").Select(n => ((YamlScalarNode)n).Value!));
        Assert.Contains("keys.pfx", Seq(generator, "files").Select(n => ((YamlScalarNode)n).Value));
        var example = EnvFile(Dir + "secrets.env.example");
        Assert.All(SecretSettings, name => Assert.True(example.ContainsKey(name), $"secrets.env.example lacks {name}"));
        var keysVolume = Assert.Single(Seq(Deployment, "spec", "template", "spec", "volumes"), v => Str(v, "secret", "secretName") == "opsconsole-secrets");
        Assert.Equal("keys.pfx", Str(Assert.Single(Seq(keysVolume, "secret", "items")), "key"));
        var mount = Assert.Single(Seq(Console, "volumeMounts"), m => Str(m, "name") == Str(keysVolume, "name"));
        Assert.Equal(config["OPS_KEYS_CERT"], Str(mount, "mountPath") + "/keys.pfx");
    }

    [Fact]
    public void Runs_as_the_image_user_on_a_read_only_root_with_scratch_volumes()
    {
        var image = Container();
        var pod = Map(Deployment, "spec", "template", "spec");
        Assert.Equal("true", Str(pod, "securityContext", "runAsNonRoot"));
        Assert.Equal(image.User.ToString(System.Globalization.CultureInfo.InvariantCulture), Str(pod, "securityContext", "runAsUser"));
        Assert.Equal("true", Str(Console, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Str(Console, "securityContext", "allowPrivilegeEscalation"));

        var emptyDirs = Seq(pod, "volumes").Where(v => Get(v, "emptyDir") is not null).Select(v => Str(v, "name")).ToHashSet();
        var writable = Seq(Console, "volumeMounts").Where(m => emptyDirs.Contains(Str(m, "name"))).Select(m => Str(m, "mountPath")).ToList();
        var config = Strings(Map(Manifest(Dir + "configmap.yaml", "ConfigMap"), "data"));
        Assert.Contains("/tmp", writable);
        Assert.Contains(config["OPS_DATA_DIR"], writable);
        Assert.Equal(image.Environment["OPS_DATA_DIR"], config["OPS_DATA_DIR"]);
    }

    [Fact]
    public void Image_and_port_are_the_ones_the_project_builds()
    {
        var image = Container();
        Assert.True(image.Names(Str(Console, "image")!), $"{Str(Console, "image")} is not {image.Repository}:{string.Join('|', image.Tags)}");
        Assert.Equal(image.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Str(Assert.Single(Seq(Console, "ports")), "containerPort"));

        var kustomization = Assert.Single(LoadYaml(Dir + "kustomization.yaml"));
        var entry = Assert.Single(Seq(kustomization, "images"));
        Assert.Equal(image.Repository, Str(entry, "name"));
        Assert.Contains(Str(entry, "newTag"), image.Tags);
    }

    [Fact]
    public void Kustomization_applies_every_manifest_and_replicas_spread_rollouts()
    {
        var kustomization = Assert.Single(LoadYaml(Dir + "kustomization.yaml"));
        var resources = Seq(kustomization, "resources").Select(n => ((YamlScalarNode)n).Value!).ToList();
        foreach (var file in new[] { "deployment.yaml", "service.yaml", "pdb.yaml", "configmap.yaml" })
            Assert.Contains(file, resources);
        Assert.All(resources, r => Assert.True(File.Exists(PathOf(Dir + r)), $"{r} is listed but missing"));

        // The pods run as the ServiceAccount the RBAC file creates; environments on Kubernetes are reached by every replica.
        var account = Assert.Single(LoadYaml(Dir + "opsconsole-rbac.yaml"), d => Str(d, "kind") == "ServiceAccount");
        Assert.Equal(Str(account, "metadata", "name"), Str(Deployment, "spec", "template", "spec", "serviceAccountName"));
        Assert.Equal(Str(account, "metadata", "namespace"), Str(Deployment, "metadata", "namespace"));
        var config = Strings(Map(Manifest(Dir + "configmap.yaml", "ConfigMap"), "data"));
        Assert.Equal("postgres", config["OPS_STORE"]);
        Assert.Equal("kubernetes", config["OPS_CLUSTER"]);
        Assert.Equal("spread", config["OPS_REPLICA_ROLLOUTS"]);
        Assert.Equal("opsconsole-settings", Str(Assert.Single(Seq(Console, "envFrom")), "configMapRef", "name"));

        // Each replica names itself after its pod.
        var instance = Assert.Single(Seq(Console, "env"), e => Str(e, "name") == "OPS_INSTANCE");
        Assert.Equal("metadata.name", Str(instance, "valueFrom", "fieldRef", "fieldPath"));
    }
}
