using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Cluster.Local;

/// <summary>
/// The loopback port each service's ingress last listened on, kept in the cluster folder: a restarted
/// console asks for the same port first, so a service keeps its address across restarts. Not
/// thread-safe; the adapter calls it under its gate.
/// </summary>
internal sealed class IngressPortMemory(string file, ILogger log)
{
    private readonly Dictionary<string, int> _ports = Read(file);

    public int? PortOf(ServiceEnvironment target) => _ports.TryGetValue(target.ToString(), out var p) ? p : null;

    public void Remember(ServiceEnvironment target, int port)
    {
        _ports[target.ToString()] = port;
        try
        {
            File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(_ports));
            File.Move(file + ".tmp", file, overwrite: true);
        }
        catch (IOException e)
        {
            log.LogWarning(e, "Local cluster: could not remember the ingress ports");
        }
    }

    private static Dictionary<string, int> Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(file)) ?? [] : [];
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return [];
        }
    }
}
