using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OpsConsole.Cli;

/// <summary>An answer from the console: the status and the JSON body (Undefined when there is none).</summary>
public sealed record ApiAnswer(HttpStatusCode Status, JsonElement Body)
{
    public bool Ok => (int)Status is >= 200 and < 300;
}

/// <summary>Thrown for an answer the command cannot go on with; the message is safe to print (never holds the token).</summary>
public sealed class ApiException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The console's REST API with the bearer token; errors become <see cref="ApiException"/> with the problem's title and detail.</summary>
public sealed class OpsApi(CliConfig config, HttpMessageHandler? handler = null) : IDisposable
{
    private readonly HttpClient _http = CreateClient(config, handler);

    public CliConfig Config => config;

    private static HttpClient CreateClient(CliConfig config, HttpMessageHandler? handler)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(config.Url + "/");
        http.Timeout = TimeSpan.FromSeconds(100);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.Token);
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ops-cli", "1.0"));
        return http;
    }

    public Task<ApiAnswer> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<ApiAnswer> PostJsonAsync(string path, object? body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"), ct);

    public Task<ApiAnswer> PostAsync(string path, HttpContent content, CancellationToken ct) => SendAsync(HttpMethod.Post, path, content, ct);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Sends; a 2xx comes back, anything else throws <see cref="ApiException"/> with what the console said.</summary>
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(Scrub($"Cannot reach the console at {config.Url}: {e.Message}"), ExitCodes.Error);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ApiException($"The console at {config.Url} did not answer in time.", ExitCodes.Error);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var body = default(JsonElement);
            if (text.Length > 0)
            {
                try { body = JsonDocument.Parse(text).RootElement.Clone(); }
                catch (JsonException) { /* not JSON: described by the status alone */ }
            }
            var answer = new ApiAnswer(response.StatusCode, body);
            if (answer.Ok) return answer;
            throw new ApiException(Scrub(Describe(answer)), answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ExitCodes.NotAllowed : ExitCodes.Error);
        }
    }

    /// <summary>"403 Forbidden: title: detail" plus each field error, from RFC 9457 problem details.</summary>
    public static string Describe(ApiAnswer answer)
    {
        var sb = new StringBuilder($"{(int)answer.Status} {Phrase(answer.Status)}");
        var b = answer.Body;
        if (b.ValueKind == JsonValueKind.Object)
        {
            if (Str(b, "title") is { } title && !string.Equals(title, Phrase(answer.Status), StringComparison.OrdinalIgnoreCase)) sb.Append(": ").Append(title);
            if (Str(b, "detail") is { } detail) sb.Append(": ").Append(detail);
            if (b.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                foreach (var field in errors.EnumerateObject())
                    foreach (var message in field.Value.ValueKind == JsonValueKind.Array ? field.Value.EnumerateArray() : Enumerable.Empty<JsonElement>())
                        sb.Append($"\n  {field.Name}: {message.GetString()}");
        }
        if (answer.Status == HttpStatusCode.Unauthorized) sb.Append(" (the token is unknown, expired or revoked: run 'ops login' with a valid one)");
        return sb.ToString();
    }

    private static string Phrase(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.RequestEntityTooLarge => "Content Too Large",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        _ => status.ToString(),
    };

    /// <summary>Whatever is printed never holds the token.</summary>
    public string Scrub(string text) => config.Token.Length == 0 ? text : text.Replace(config.Token, "***", StringComparison.Ordinal);

    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public void Dispose() => _http.Dispose();
}
