namespace OpsConsole.Core.Cluster;

/// <summary>One service/environment's live traffic at its ingress, summed over its revisions.</summary>
public sealed record IngressRate(ServiceEnvironment Target, double RequestsPerSecond, double? ErrorRatio)
{
    /// <summary>Long enough to smooth a quiet service, short enough that a spike shows within seconds.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<IngressRate>> ReadAsync(IClusterAdapter cluster, CancellationToken ct = default)
    {
        var services = await cluster.ListServicesAsync(ct);
        var rates = new List<IngressRate>();
        foreach (var s in services.OrderBy(s => s.Target.Service, StringComparer.Ordinal).ThenBy(s => s.Target.Environment, StringComparer.Ordinal))
        {
            long requests = 0, errors = 0;
            var seconds = Window.TotalSeconds;
            foreach (var revision in s.Revisions)
            {
                var m = await cluster.GetRevisionMetricsAsync(s.Target, revision.Name, Window, ct);
                requests += m.Requests;
                errors += m.Errors5xx;
                if (m.Window > TimeSpan.Zero) seconds = m.Window.TotalSeconds;
            }
            rates.Add(new IngressRate(s.Target, requests / seconds, requests == 0 ? null : (double)errors / requests));
        }
        return rates;
    }
}
