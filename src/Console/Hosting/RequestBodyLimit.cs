namespace OpsConsole.Console.Hosting;

public static class RequestBodyLimit
{
    /// <summary>
    /// Refuses a declared body over the limit before reading it. Kestrel enforces the same limit on
    /// streamed bodies; this makes the answer a problem details 413 in every host.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long maxBytes) => app.Use(async (ctx, next) =>
    {
        // A route may allow more (a migration bundle upload): its RequestSizeLimit metadata wins.
        var limit = ctx.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? maxBytes;
        if (ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        if (ctx.Request.ContentLength is { } length && length > limit)
        {
            await OpsConsole.Console.Api.ApiProblems.WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The body is {length} bytes; this route accepts at most {limit} bytes.");
            return;
        }
        await next(ctx);
    });
}
