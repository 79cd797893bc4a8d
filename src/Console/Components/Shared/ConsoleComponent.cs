using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Console.Auth;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Components.Shared;

/// <summary>
/// Base for console pages. Each action runs in its own DI scope (a circuit lives for hours; a
/// DbContext should not) as the signed-in <see cref="Actor"/>; Core checks the actor's roles, and a
/// refusal or invalid input comes back as a readable message instead of an error page.
/// </summary>
public abstract class ConsoleComponent : ComponentBase
{
    [Inject] protected IServiceScopeFactory ScopeFactory { get; set; } = default!;
    [Inject] protected IDbContextFactory<OpsDbContext> DbFactory { get; set; } = default!;
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;
    [CascadingParameter] protected Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>The message of the last refused action, shown on the page.</summary>
    protected string? ActionError { get; set; }

    protected async Task<Actor> CurrentActorAsync() => (await AuthenticationState).User.ToActor();

    protected async Task<bool> ActAsync<TService>(Func<TService, Actor, Task> action, string? doneMessage = null) where TService : notnull
    {
        ActionError = null;
        try
        {
            var actor = await CurrentActorAsync();
            await using var scope = ScopeFactory.CreateAsyncScope();
            await action(scope.ServiceProvider.GetRequiredService<TService>(), actor);
            if (doneMessage is not null) Snackbar.Add(doneMessage, Severity.Success);
            return true;
        }
        catch (DomainException ex)
        {
            ActionError = ex.Message;
            Snackbar.Add(ex.Message, Severity.Error);
            return false;
        }
    }
}
