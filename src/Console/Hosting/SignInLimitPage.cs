using System.Globalization;

namespace OpsConsole.Console.Hosting;

/// <summary>
/// What a browser sees when its address has used up its sign-in attempts: a plain page with the wait
/// and a way back, written before any Blazor or Identity code runs (the limiter refuses first).
/// </summary>
internal static class SignInLimitPage
{
    public static Task WriteAsync(HttpContext context, int retryAfterSeconds)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.ContentType = "text/html; charset=utf-8";
        var seconds = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return context.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Too many sign-in attempts - OpsConsole</title></head>
            <body>
            <h1>Too many sign-in attempts</h1>
            <p data-testid="signin-limited">Too many sign-in attempts came from your address. Try again in {seconds} seconds.</p>
            <p><a href="/account/login">Back to sign in</a></p>
            </body>
            </html>
            """);
    }
}
