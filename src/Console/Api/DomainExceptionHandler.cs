using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using OpsConsole.Core.Domain;

namespace OpsConsole.Console.Api;

/// <summary>Turns the domain's exceptions, thrown anywhere below an API route, into problem details.</summary>
public sealed class DomainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title) = exception switch
        {
            InvalidInputException => (400, "The request is not valid"),
            AccessDeniedException => (403, "Forbidden"),
            NotFoundException => (404, "Not found"),
            OpsConsole.Core.Rollouts.RolloutInProgressException => (409, "A rollout is already in flight"),
            ConflictException => (409, "Conflict"),
            BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "Request body too large" : "Bad request"),
            _ => (0, ""),
        };
        if (status == 0) return false;
        context.Response.StatusCode = status;
        var details = new ProblemDetails { Status = status, Title = title, Detail = exception.Message };
        if (exception is InvalidInputException inv) details.Extensions["errors"] = inv.Errors;
        if (exception is OpsConsole.Core.Rollouts.RolloutInProgressException running) details.Extensions["rolloutId"] = running.RunningId;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }
}
