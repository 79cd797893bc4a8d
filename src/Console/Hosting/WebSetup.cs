using MudBlazor.Services;
using OpsConsole.Console.Api;

namespace OpsConsole.Console.Hosting;

public static class WebSetup
{
    /// <summary>The pages (interactive server rendering, MudBlazor), the hub, the API's problem details and OpenAPI document, and the health checks.</summary>
    public static IServiceCollection AddConsoleWeb(this IServiceCollection services)
    {
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions["correlationId"] = CorrelationId.Of(ctx.HttpContext));
        services.AddExceptionHandler<DomainExceptionHandler>();
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "OpsConsole API";
            doc.Info.Description = "Deployment and operations console. Authenticate with 'Authorization: Bearer <token>' (create tokens under Settings > API tokens).";
            return Task.CompletedTask;
        }));
        services.AddHealthChecks()
            .AddCheck<StoreReadyCheck>("store", tags: ["ready"])
            .AddCheck<JobServerReadyCheck>("jobs", tags: ["ready"]);
        return services;
    }
}
