namespace OpsConsole.Console.Hosting;

public static class RequestBodyLimit
{
    /// <summary>
    /// Refuses a declared body over the limit before reading it. Kestrel enforces the same limit on
    /// streamed bodies; this makes the answer a problem details 413 in every host.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long maxBytes) => app.Use(async (ctx, next) =>
    {
        if (ctx.Request.ContentLength is { } length && length > maxBytes)
        {
            await OpsConsole.Console.Api.ApiProblems.WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The body is {length} bytes; the API accepts at most {maxBytes} bytes.");
            return;
        }
        await next(ctx);
    });
}
