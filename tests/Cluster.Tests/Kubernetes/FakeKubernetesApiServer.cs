using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace OpsConsole.Cluster.Tests.Kubernetes;

/// <summary>One request as the fake API server received it.</summary>
public sealed record ApiRequest(string Method, string Path, string Query, string? ContentType, string? Body, string? Authorization)
{
    public JsonObject Json => JsonNode.Parse(Body!)!.AsObject();
    public string Resource => Path.Split('/')[^2];
    public string Name => Path.Split('/')[^1];
    public override string ToString() => $"{Method} {Path}{(Query.Length > 0 ? "?" + Query : "")}";
}

/// <summary>
/// A fake Kubernetes API server (WireMock.Net) for the adapter's tests: it keeps the objects it was
/// given and answers as the real API server does for core/v1 ConfigMaps, Secrets and Services,
/// apps/v1 Deployments and gateway.networking.k8s.io/v1 HTTPRoutes: GET of a missing object is a
/// 404 Status, POST of an existing one a 409 AlreadyExists, a PATCH must be a server-side apply
/// (application/apply-patch+yaml with a fieldManager) and creates or merges, a stale
/// metadata.resourceVersion is a 409 Conflict, DELETE answers a Success Status. A Deployment's
/// status moves as a controller would move it: every read counts as one observation, and each
/// observation makes one more replica ready (or, for an image in <see cref="NeverReadyImages"/>,
/// ends in ProgressDeadlineExceeded). It records every request, and can play an API server that
/// refuses (401, 403 by RBAC), lacks the HTTPRoute CRD, or loses a create race.
/// </summary>
public sealed class FakeKubernetesApiServer : IDisposable
{
    private readonly WireMockServer _server;
    private readonly Dictionary<string, JsonObject> _objects = [];
    private readonly Lock _gate = new();
    private long _resourceVersion = 1000;

    public FakeKubernetesApiServer()
    {
        _server = WireMockServer.Start();
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Handle));
    }

    public string Url => _server.Url!;
    public ConcurrentQueue<ApiRequest> Requests { get; } = new();
    public HashSet<string> NeverReadyImages { get; } = [];
    /// <summary>"resource/name" pairs whose next create finds the object already made by another writer.</summary>
    public HashSet<string> CreateRaces { get; } = [];
    /// <summary>Resources (plural, e.g. deployments) the console's account may not touch.</summary>
    public HashSet<string> Forbidden { get; } = [];
    public bool HttpRouteInstalled { get; set; } = true;
    public bool RejectCredentials { get; set; }

    /// <summary>Every write (POST, PATCH, PUT, DELETE) since the last call, in order, and forgets them.</summary>
    public List<ApiRequest> TakeWrites()
    {
        var all = new List<ApiRequest>();
        while (Requests.TryDequeue(out var r)) all.Add(r);
        return all.Where(r => r.Method != "GET").ToList();
    }

    /// <summary>The stored object, or null.</summary>
    public JsonObject? Get(string path)
    {
        lock (_gate) return _objects.TryGetValue(path, out var o) ? (JsonObject)o.DeepClone() : null;
    }

    public IReadOnlyList<string> Paths
    {
        get { lock (_gate) return _objects.Keys.Order(StringComparer.Ordinal).ToList(); }
    }

    private IResponseMessage Handle(IRequestMessage req)
    {
        var body = req.BodyAsBytes is { } bytes ? Encoding.UTF8.GetString(bytes) : req.Body;
        var contentType = req.Headers?.TryGetValue("Content-Type", out var ct) == true ? ct.ToString() : null;
        var auth = req.Headers?.TryGetValue("Authorization", out var a) == true ? a.ToString() : null;
        var query = (req.RawQuery ?? "").TrimStart('?');
        Requests.Enqueue(new ApiRequest(req.Method, req.Path, query, contentType, body, auth));
        lock (_gate)
            return Answer(req.Method, req.Path, Parse(query), contentType, body);
    }

    private static Dictionary<string, string> Parse(string query) => query.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");

    private IResponseMessage Answer(string method, string path, Dictionary<string, string> query, string? contentType, string? body)
    {
        if (RejectCredentials) return Status(401, "Unauthorized", "Unauthorized");
        // /api/v1/namespaces/NS/RESOURCE[/NAME] or /apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME]
        var parts = path.Trim('/').Split('/');
        var at = Array.IndexOf(parts, "namespaces");
        if (at < 0 || parts.Length < at + 3) return Status(404, "NotFound", "the server could not find the requested resource");
        var groupVersion = string.Join('/', parts[1..at]);
        var ns = parts[at + 1];
        var resource = parts[at + 2];
        var name = parts.Length > at + 3 ? parts[at + 3] : null;
        var kind = KindOf(resource);
        if (kind is null || (resource == "httproutes" && !HttpRouteInstalled))
            return Status(404, "NotFound", "the server could not find the requested resource");
        if (Forbidden.Contains(resource))
        {
            var verb = method switch { "GET" => name is null ? "list" : "get", "POST" => "create", "PATCH" => "patch", "DELETE" => "delete", _ => "update" };
            var group = groupVersion.Contains('/') ? groupVersion[..groupVersion.IndexOf('/')] : "";
            return Status(403, "Forbidden", $"{resource}{(group.Length > 0 ? "." + group : "")}{(name is null ? "" : $" \"{name}\"")} is forbidden: User \"system:serviceaccount:ops:opsconsole\" cannot {verb} resource \"{resource}\" in API group \"{group}\" in the namespace \"{ns}\"");
        }
        var collection = $"/{string.Join('/', parts[..(at + 3)])}";
        var key = name is null ? null : $"{collection}/{name}";

        switch (method)
        {
            case "GET" when name is null:
                var selector = query.TryGetValue("labelSelector", out var s) ? s : "";
                var items = _objects.Where(o => o.Key.StartsWith(collection + "/", StringComparison.Ordinal) && Matches(o.Value, selector))
                    .OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => (JsonNode?)Observe(o.Value).DeepClone()).ToArray();
                return Json(200, new JsonObject
                {
                    ["kind"] = kind + "List", ["apiVersion"] = ApiVersion(groupVersion),
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv() }, ["items"] = new JsonArray(items),
                });
            case "GET":
                return _objects.TryGetValue(key!, out var found) ? Json(200, Observe(found)) : NotFound(resource, name!);
            case "POST":
                var created = JsonNode.Parse(body!)!.AsObject();
                var newName = created["metadata"]!["name"]!.GetValue<string>();
                var newKey = $"{collection}/{newName}";
                if (CreateRaces.Remove($"{resource}/{newName}"))
                    _objects[newKey] = Stamp((JsonObject)created.DeepClone(), ns, null);
                if (_objects.ContainsKey(newKey))
                    return Status(409, "AlreadyExists", $"{resource}{(groupVersion.Contains('/') ? "." + groupVersion[..groupVersion.IndexOf('/')] : "")} \"{newName}\" already exists", resource, newName);
                _objects[newKey] = Stamp(created, ns, null);
                return Json(201, _objects[newKey]);
            case "PATCH":
                if (contentType is null || !contentType.StartsWith("application/apply-patch+yaml", StringComparison.Ordinal))
                    return Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml; got {contentType}");
                if (!query.TryGetValue("fieldManager", out var manager) || manager.Length == 0)
                    return Status(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
                var patch = JsonNode.Parse(body!)!.AsObject();
                if (_objects.TryGetValue(key!, out var current))
                {
                    if (patch["metadata"]?["resourceVersion"]?.GetValue<string>() is { } rv && rv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                        return Status(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", resource, name);
                    var before = current["spec"]?.ToJsonString();
                    Merge(current, patch);
                    Stamp(current, ns, current["spec"]?.ToJsonString() != before ? 1 : 0);
                    if (kind == "Deployment") Reconcile(current);
                    return Json(200, current);
                }
                _objects[key!] = Stamp(patch, ns, null);
                return Json(201, _objects[key!]);
            case "DELETE":
                if (!_objects.Remove(key!)) return NotFound(resource, name!);
                return Json(200, new JsonObject
                {
                    ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success",
                    ["details"] = new JsonObject { ["name"] = name, ["kind"] = resource },
                });
            default:
                return Status(405, "MethodNotAllowed", $"{method} is not supported by this fake");
        }
    }

    /// <summary>One observation of a Deployment by the "controller": one more replica ready, or the progress deadline passed.</summary>
    private JsonObject Observe(JsonObject o)
    {
        if (o["kind"]?.GetValue<string>() != "Deployment") return o;
        var status = o["status"]!.AsObject();
        var desired = o["spec"]!["replicas"]?.GetValue<int>() ?? 1;
        var ready = status["readyReplicas"]?.GetValue<int>() ?? 0;
        var image = o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        if (NeverReadyImages.Contains(image))
        {
            var polls = (status["polls"]?.GetValue<int>() ?? 0) + 1;
            status["polls"] = polls;
            status["replicas"] = desired;
            status["unavailableReplicas"] = desired;
            if (polls >= 2)
                status["conditions"] = new JsonArray
                {
                    Condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                    Condition("Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{o["metadata"]!["name"]}-5d4f8\" has timed out progressing."),
                };
            return o;
        }
        if (ready < desired) ready++;
        SetReady(o, desired, ready);
        return o;
    }

    private static void Reconcile(JsonObject o)
    {
        var desired = o["spec"]!["replicas"]?.GetValue<int>() ?? 1;
        var ready = o["status"]!["readyReplicas"]?.GetValue<int>() ?? 0;
        SetReady(o, desired, Math.Min(ready, desired));
    }

    private static void SetReady(JsonObject o, int desired, int ready)
    {
        var status = o["status"]!.AsObject();
        status["observedGeneration"] = o["metadata"]!["generation"]!.GetValue<long>();
        status["replicas"] = desired;
        status["updatedReplicas"] = desired;
        status["readyReplicas"] = ready;
        status["availableReplicas"] = ready;
        if (desired > ready) status["unavailableReplicas"] = desired - ready; else status.Remove("unavailableReplicas");
        status["conditions"] = new JsonArray
        {
            Condition("Available", ready == desired ? "True" : "False", ready == desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", "Deployment availability."),
            Condition("Progressing", "True", ready == desired ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", $"ReplicaSet \"{o["metadata"]!["name"]}-5d4f8\" is progressing."),
        };
    }

    private static JsonObject Condition(string type, string status, string reason, string message) => new()
    {
        ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message,
        ["lastUpdateTime"] = "2026-01-01T00:00:00Z", ["lastTransitionTime"] = "2026-01-01T00:00:00Z",
    };

    private JsonObject Stamp(JsonObject o, string ns, int? generationStep)
    {
        var md = o["metadata"]!.AsObject();
        md["namespace"] = ns;
        md["resourceVersion"] = Rv();
        if (generationStep is null)
        {
            md["uid"] = Guid.NewGuid().ToString();
            md["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            md["generation"] = 1L;
            if (o["kind"]?.GetValue<string>() == "Deployment") o["status"] = new JsonObject { ["observedGeneration"] = 1L };
        }
        else md["generation"] = md["generation"]!.GetValue<long>() + generationStep.Value;
        return o;
    }

    private string Rv() => Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    /// <summary>Apply: objects merge key by key, everything else (values, lists) is replaced, as for the fields one manager owns.</summary>
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (k, v) in patch.ToList())
        {
            if (v is JsonObject po && target[k] is JsonObject to) Merge(to, po);
            else target[k] = v?.DeepClone();
        }
    }

    private static bool Matches(JsonObject o, string selector)
    {
        var labels = o["metadata"]?["labels"] as JsonObject;
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = term.Split('=', 2);
            if (labels?[kv[0]]?.GetValue<string>() != kv[1]) return false;
        }
        return true;
    }

    private static string? KindOf(string resource) => resource switch
    {
        "configmaps" => "ConfigMap",
        "secrets" => "Secret",
        "services" => "Service",
        "deployments" => "Deployment",
        "httproutes" => "HTTPRoute",
        _ => null,
    };

    private static string ApiVersion(string groupVersion) => groupVersion;

    private static IResponseMessage NotFound(string resource, string name) => Status(404, "NotFound", $"{resource} \"{name}\" not found", resource, name);

    private static IResponseMessage Status(int code, string reason, string message, string? kind = null, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure",
            ["message"] = message, ["reason"] = reason, ["code"] = code,
        };
        if (name is not null) status["details"] = new JsonObject { ["name"] = name, ["kind"] = kind };
        return Json(code, status);
    }

    private static IResponseMessage Json(int code, JsonObject body)
    {
        var response = new ResponseMessage
        {
            StatusCode = code,
            BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
        response.AddHeader("Content-Type", "application/json");
        return response;
    }

    public void Dispose() => _server.Stop();
}
