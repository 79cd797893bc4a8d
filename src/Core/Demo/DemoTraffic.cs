using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;

namespace OpsConsole.Core.Demo;

/// <summary>
/// Switching the built-in traffic generator for a service and environment. The generator itself
/// trusts its caller, so the role check lives here, in Core, for every caller (page or API).
/// </summary>
public static class DemoTraffic
{
    public static readonly string[] AllowedRoles = [Roles.OnCall, Roles.ReleaseManager, Roles.Admin];

    /// <summary>The rate "on" means when OPS_DEMO_RPS is 0 (demo traffic off at start, switched on by hand).</summary>
    public const double FallbackRequestsPerSecond = 5;

    public static bool MaySwitch(Actor actor) => actor.IsInAnyRole(AllowedRoles);

    public static void Switch(ITrafficGenerator generator, Actor actor, ServiceEnvironment target, bool on, double requestsPerSecond)
    {
        actor.Require($"switch demo traffic for {target}", AllowedRoles);
        if (on) generator.SetLoad(target, new TrafficLoad(requestsPerSecond > 0 ? requestsPerSecond : FallbackRequestsPerSecond).Validated());
        else generator.Stop(target);
    }
}
