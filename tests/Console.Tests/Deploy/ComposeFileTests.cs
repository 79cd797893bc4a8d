using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static OpsConsole.Console.Tests.Deploy.DeployFiles;

namespace OpsConsole.Console.Tests.Deploy;

/// <summary>What an operator relies on in deploy/compose.yaml: PostgreSQL, two console replicas on its one store, a sticky proxy in front.</summary>
public sealed partial class ComposeFileTests
{
    private const string File = "deploy/compose.yaml";

    private static YamlMappingNode Services => Map(Assert.Single(LoadYaml(File)), "services");

    private static Dictionary<string, YamlMappingNode> Consoles()
    {
        var image = Container();
        return Services.Children.Where(s => Str(s.Value, "image") is { } i && image.Names(i))
            .ToDictionary(s => ((YamlScalarNode)s.Key).Value!, s => (YamlMappingNode)s.Value);
    }

    /// <summary>A service's environment: its env files, then its own entries (which win), as compose builds it.</summary>
    private static Dictionary<string, string> EnvironmentOf(YamlMappingNode service)
    {
        var env = new Dictionary<string, string>();
        foreach (var file in Seq(service, "env_file").Select(n => ((YamlScalarNode)n).Value!))
            foreach (var (k, v) in EnvFile("deploy/" + file)) env[k] = v;
        foreach (var (k, v) in Strings(Map(service, "environment"))) env[k] = v;
        return env;
    }

    private static bool Secretish(string key) => key.Contains("PASSWORD", StringComparison.Ordinal) || key.Contains("TOKEN", StringComparison.Ordinal);

    [Fact]
    public void Postgres_with_a_healthcheck_and_two_console_replicas_that_wait_for_it()
    {
        var db = Assert.Single(Services.Children, s => Str(s.Value, "image")?.StartsWith("postgres:", StringComparison.Ordinal) == true);
        Assert.NotNull(Get(db.Value, "healthcheck", "test"));
        var consoles = Consoles();
        Assert.Equal(2, consoles.Count);
        foreach (var (name, service) in consoles)
        {
            Assert.Equal("service_healthy", Str(service, "depends_on", ((YamlScalarNode)db.Key).Value!, "condition"));
            var check = string.Join(' ', Seq(service, "healthcheck", "test").Select(n => ((YamlScalarNode)n).Value));
            Assert.Contains("/readyz", check, StringComparison.Ordinal);
            Assert.Contains("/" + Container().Port.ToString(CultureInfo.InvariantCulture), check, StringComparison.Ordinal);
            Assert.Equal("postgres", EnvironmentOf(service)["OPS_STORE"]);
            Assert.True(Get(service, "read_only") is YamlScalarNode { Value: "true" }, $"{name} has a writable root");
        }
    }

    [Fact]
    public void Replicas_share_one_store_connection_and_have_distinct_names()
    {
        var consoles = Consoles().Values.Select(EnvironmentOf).ToList();
        var connections = consoles.Select(e => e.GetValueOrDefault("OPS_STORE_CONNECTION")).Distinct().ToList();
        var connection = Assert.Single(connections);
        Assert.False(string.IsNullOrEmpty(connection));

        var instances = consoles.Select(e => e.GetValueOrDefault("OPS_INSTANCE")).ToList();
        Assert.All(instances, i => Assert.False(string.IsNullOrEmpty(i)));
        Assert.Equal(instances.Count, instances.Distinct().Count());

        // The connection reaches the compose database, as its user, with the password the database is given.
        var (dbName, db) = Services.Children.Select(s => (((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value)).Single(s => Str(s.Item2, "image")!.StartsWith("postgres:", StringComparison.Ordinal));
        var dbEnv = Strings(Map(db, "environment"));
        var parts = connection!.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        Assert.Equal(dbName, parts["Host"]);
        Assert.Equal(dbEnv["POSTGRES_DB"], parts["Database"]);
        Assert.Equal(dbEnv["POSTGRES_USER"], parts["Username"]);
        Assert.Equal(Variable(dbEnv["POSTGRES_PASSWORD"]), Variable(parts["Password"]));
    }

    [Fact]
    public void Secrets_come_from_the_operator_env_file_and_are_never_inlined()
    {
        var example = EnvFile("deploy/compose/secrets.env.example");
        foreach (var service in Services.Children.Values.Cast<YamlMappingNode>().Where(s => Get(s, "environment") is not null))
            foreach (var (key, value) in Strings(Map(service, "environment")).Where(e => Secretish(e.Key) || e.Key.EndsWith("CONNECTION", StringComparison.Ordinal)))
            {
                // A password is a ${VARIABLE} compose fills from deploy/.env, and the example file names it.
                Assert.Contains("${", value, StringComparison.Ordinal);
                Assert.True(example.ContainsKey(Variable(value)), $"{key} uses {Variable(value)}, which secrets.env.example does not name");
            }
        foreach (var file in Consoles().Values.SelectMany(s => Seq(s, "env_file")).Select(n => ((YamlScalarNode)n).Value!).Distinct())
            Assert.DoesNotContain(EnvFile("deploy/" + file).Keys, k => Secretish(k) || k.EndsWith("CONNECTION", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_replica_listens_on_the_image_port_and_is_reachable_on_its_own_host_port()
    {
        var port = Container().Port.ToString(CultureInfo.InvariantCulture);
        var hostPorts = new List<string>();
        foreach (var service in Consoles().Values)
        {
            Assert.EndsWith(":" + port, EnvironmentOf(service)["ASPNETCORE_URLS"], StringComparison.Ordinal);
            var mapping = ((YamlScalarNode)Assert.Single(Seq(service, "ports"))).Value!.Split(':');
            Assert.Equal(port, mapping[^1]);
            hostPorts.Add(mapping[^2]);
        }
        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void The_proxy_keeps_sessions_sticky_across_every_replica()
    {
        var proxy = Assert.Single(Services.Children, s => ((YamlScalarNode)s.Key).Value == "proxy").Value;
        var consoles = Consoles();
        foreach (var name in consoles.Keys)
            Assert.Equal("service_healthy", Str(proxy, "depends_on", name, "condition"));

        var caddyfile = System.IO.File.ReadAllText(PathOf("deploy/compose/Caddyfile"));
        var upstreams = UpstreamsRegex().Match(caddyfile).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order().ToList();
        var port = Container().Port.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(consoles.Keys.Select(n => $"{n}:{port}").Order().ToList(), upstreams);
        Assert.Matches(@"(?m)^\s*lb_policy cookie \S+", caddyfile);
        Assert.Matches(@"(?m)^\s*health_uri /readyz\s*$", caddyfile);

        // The console trusts forwarded headers from the proxy's address only.
        var proxyAddress = Assert.Single(Map(proxy, "networks").Children.Values, n => Get(n, "ipv4_address") is not null);
        foreach (var service in consoles.Values)
            Assert.Equal(Str(proxyAddress, "ipv4_address"), EnvironmentOf(service)["OPS_TRUSTED_PROXIES"]);
    }

    /// <summary>The variable of a compose interpolation: <c>${NAME:?message}</c> → NAME.</summary>
    private static string Variable(string value)
    {
        var match = VariableRegex().Match(value);
        Assert.True(match.Success, $"'{value}' is not a ${{VARIABLE}}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"\$\{([A-Z0-9_]+)")]
    private static partial Regex VariableRegex();

    [GeneratedRegex(@"reverse_proxy ([^{\n]+)\{")]
    private static partial Regex UpstreamsRegex();
}
