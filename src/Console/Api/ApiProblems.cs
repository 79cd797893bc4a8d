using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Api;

/// <summary>Writes RFC 9457 problem details, and maps the domain's exceptions to them.</summary>
public static class ApiProblems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    public static ProblemHttpResult Of(Exception ex) => ex switch
    {
        InvalidInputException e => TypedResults.Problem(new HttpValidationProblemDetails(e.Errors)
            { Status = 400, Title = "The request is not valid", Detail = e.Message }),
        AccessDeniedException e => TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: e.Message),
        NotFoundException e => TypedResults.Problem(statusCode: 404, title: "Not found", detail: e.Message),
        ConflictException e => TypedResults.Problem(statusCode: 409, title: "Conflict", detail: e.Message),
        _ => TypedResults.Problem(statusCode: 500, title: "Unexpected error", detail: "The console hit an unexpected error; the log has the details under this request's correlation id."),
    };
}

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
