using System.Net;
using System.Net.Sockets;
using k8s.Autorest;

namespace OpsConsole.Core.Cluster.Kubernetes;

/// <summary>
/// A call to a Kubernetes API server failed for a reason a person must fix (unreachable, rejected
/// credentials, RBAC, missing CRD). The message names the cause and the object, never a credential.
/// </summary>
public sealed class KubernetesApiException(string message, HttpStatusCode? status = null, Exception? inner = null) : ClusterException(message, inner)
{
    public HttpStatusCode? Status { get; } = status;

    /// <summary>Turns a failed call into an exception that says what to do; <paramref name="what"/> names the verb and object.</summary>
    public static Exception From(Exception e, string what, KubernetesEnvironmentOptions env)
    {
        var ns = env.NamespaceName;
        if (e is HttpOperationException http)
        {
            var status = http.Response.StatusCode;
            var reason = ReasonOf(http.Response.Content);
            return status switch
            {
                HttpStatusCode.Unauthorized => new KubernetesApiException(
                    $"The Kubernetes API server of environment {env.Environment} rejected the console's credentials (expired or revoked?) while it tried to {what}; renew the kubeconfig's credentials or the service account token.", status, e),
                HttpStatusCode.Forbidden => new KubernetesApiException(
                    $"Forbidden by RBAC: the console's account may not {what} in namespace {ns} (environment {env.Environment}); apply the Role in deploy/kubernetes/opsconsole-rbac.yaml. {reason}".TrimEnd(), status, e),
                HttpStatusCode.NotFound when what.Contains("HTTPRoute", StringComparison.Ordinal) => new KubernetesApiException(
                    $"The cluster of environment {env.Environment} does not serve HTTPRoute ({KubernetesManifests.GatewayGroup}/{KubernetesManifests.GatewayVersion}) in namespace {ns}: install the Gateway API CRDs and a Gateway controller. {reason}".TrimEnd(), status, e),
                HttpStatusCode.Conflict => new Domain.ConflictException($"Kubernetes refused to {what} in namespace {ns}: {reason}"),
                HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => new KubernetesApiException(
                    $"Kubernetes refused to {what} in namespace {ns}: {reason}", status, e),
                _ => new KubernetesApiException($"Kubernetes answered {(int)status} when the console tried to {what} in namespace {ns}. {reason}".TrimEnd(), status, e),
            };
        }
        if (e is HttpRequestException or SocketException or TaskCanceledException or TimeoutException)
            return new KubernetesApiException(
                $"The Kubernetes API server of environment {env.Environment} is unreachable (while trying to {what}): {Inner(e)}. The traffic split is as last applied; the rollout retries.", null, e);
        return e;
    }

    private static string Inner(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is SocketException s) return s.SocketErrorCode.ToString();
        return e is TaskCanceledException ? "no answer in time" : e.GetType().Name;
    }

    private static string ReasonOf(string? body)
    {
        if (string.IsNullOrEmpty(body)) return "";
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }
}
