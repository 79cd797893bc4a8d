using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using OpsConsole.Console.Api;
using OpsConsole.Console.Auth;

namespace OpsConsole.Console.Hosting;

/// <summary>
/// The console's edge: data-protection keys (optionally encrypted at rest), forwarded headers from
/// trusted proxies, rate limits (sign-in per client address, expensive reads per user) and the
/// browser security headers (CSP, framing, sniffing, referrer).
/// </summary>
public static class SecuritySetup
{
    /// <summary>Per user (or per client address when anonymous): audit export/verify, migration status.</summary>
    public const string ExpensiveRead = "expensive-read";

    public static SecuritySettings AddConsoleSecurity(this IServiceCollection services, IConfiguration config, ConsoleSettings console)
    {
        var security = SecuritySettings.From(config, console);
        services.AddSingleton(security);

        var keys = services.AddDataProtection().SetApplicationName("OpsConsole");
        // On PostgreSQL the keys live in the store, so every replica protects and reads with the same keys;
        // the embedded default keeps them as files in the data folder.
        if (console.Store == Core.Persistence.StoreKind.Postgres) keys.PersistKeysToDbContext<Core.Persistence.OpsDbContext>();
        else keys.PersistKeysToFileSystem(new DirectoryInfo(security.KeysDirectory));
        if (security.KeysCertificatePath is { } certPath)
        {
            if (!File.Exists(certPath))
                throw new InvalidOperationException($"OPS_KEYS_CERT names a file that does not exist: {certPath}. The data-protection keys cannot be read without it.");
            var cert = X509CertificateLoader.LoadPkcs12FromFile(certPath, security.KeysCertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            if (!cert.HasPrivateKey)
                throw new InvalidOperationException("OPS_KEYS_CERT must hold the certificate's private key (a PFX), or the keys cannot be decrypted.");
            // Decryption finds the certificate here rather than in the machine's certificate store.
            keys.ProtectKeysWithCertificate(cert).UnprotectKeysWithAnyCertificate(cert);
        }

        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            if (security.TrustedProxies.Count == 0) return; // the framework's default: loopback only
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in security.TrustedProxies)
            {
                if (proxy.Contains('/')) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                else o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });

        // Browsers get the token for the API as a header; the auth and antiforgery cookies are Secure on HTTPS.
        services.AddAntiforgery(o =>
        {
            o.HeaderName = ApiProofOfIntent.HeaderName;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SuppressXFrameOptionsHeader = true; // the security headers send DENY on every response
        });

        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
                security.SignInAttemptsPerMinute > 0 && IsPasswordSignIn(ctx.Request)
                    ? RateLimitPartition.GetFixedWindowLimiter("signin|" + ClientAddress(ctx), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = security.SignInAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            o.AddPolicy(ExpensiveRead, ctx => security.ExpensiveReadsPerMinute > 0
                ? RateLimitPartition.GetFixedWindowLimiter("read|" + UserOrAddress(ctx), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = security.ExpensiveReadsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (ctx, _) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var r) ? r : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                ctx.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var signIn = IsPasswordSignIn(ctx.HttpContext.Request);
                var detail = signIn
                    ? $"Too many sign-in attempts from your address. Try again in {seconds} s."
                    : $"This read is limited to {security.ExpensiveReadsPerMinute} per minute per user. Try again in {seconds} s.";
                // A person at the sign-in form gets a page to read, not a JSON document; scripts keep problem details.
                if (signIn && ctx.HttpContext.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
                    return new ValueTask(SignInLimitPage.WriteAsync(ctx.HttpContext, seconds));
                return new ValueTask(ApiProblems.WriteAsync(ctx.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", detail));
            };
        });

        services.AddSingleton<SignInRefusals>();
        services.AddHostedService(sp => sp.GetRequiredService<SignInRefusals>());
        return security;
    }

    /// <summary>First in the pipeline: the client's real address and scheme (from trusted proxies only), then the security headers on every answer.</summary>
    public static IApplicationBuilder UseConsoleEdge(this IApplicationBuilder app, SecuritySettings security)
    {
        if (security.ForwardedHeaders) app.UseForwardedHeaders();
        return app.Use((ctx, next) =>
        {
            ctx.Response.OnStarting(() =>
            {
                SecurityHeaders.Apply(ctx);
                return Task.CompletedTask;
            });
            return next(ctx);
        });
    }

    /// <summary>The sign-in form's post (the static sign-in page posts back to itself).</summary>
    public static bool IsPasswordSignIn(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals("/account/login", StringComparison.OrdinalIgnoreCase);

    public static string ClientAddress(HttpContext ctx) => ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string UserOrAddress(HttpContext ctx) =>
        ctx.User.Identity is { IsAuthenticated: true, Name: { } name } ? "user:" + name : "address:" + ClientAddress(ctx);
}
