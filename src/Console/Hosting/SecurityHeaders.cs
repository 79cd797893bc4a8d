namespace OpsConsole.Console.Hosting;

/// <summary>Browser security headers. The console loads nothing from other hosts, so every policy is 'self'.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Blazor Server and MudBlazor: scripts only from the console (no inline script, no eval); MudBlazor
    /// sets inline styles; the circuit's WebSocket is same-origin ('self' covers ws/wss); images may be data: URIs.
    /// </summary>
    public const string ConsolePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>The API reference (Scalar): its inline start-up script runs by a per-request nonce; fonts are the system's.</summary>
    public static string ApiReferencePolicy(string? nonce) =>
        $"default-src 'self'; script-src 'self'{(nonce is null ? "" : $" 'nonce-{nonce}'")}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    public static void Apply(HttpContext ctx)
    {
        var headers = ctx.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = ctx.Request.Path.StartsWithSegments("/api-reference")
            ? ApiReferencePolicy(ctx.Items[Scalar.AspNetCore.ScalarOptions.NonceHttpContextItemKey] as string)
            : ConsolePolicy;
    }
}
