using k8s;

namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>Builds the API client of an environment from its options: in-cluster service account, or a kubeconfig file and context.</summary>
public static class KubernetesConnections
{
    public static IKubernetes Create(KubernetesEnvironmentOptions o)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = o.InCluster
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(o.Kubeconfig, o.Context);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            // The exception may quote the file; its contents (tokens, keys) are never part of the message.
            throw new InvalidOperationException(
                $"The Kubernetes connection of environment {o.Environment} cannot be built: " +
                (o.InCluster ? "the console does not run in a pod with a service account." : $"kubeconfig {(o.Kubeconfig ?? "(default)")} context {(o.Context ?? "(current)")}: {e.GetType().Name}."), e);
        }
        return new k8s.Kubernetes(config);
    }
}
