using Bunit;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Migrations;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations.Orchestration;
using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Console.Tests.Components.Migrations;

/// <summary>The parts the migrations page is built from, each on its own: the target form, the revert form, the plans list.</summary>
public sealed class MigrationsPagePartsTests() : ComponentContext(MigrationsPageTests.AddMigrationServices)
{
    private static readonly MigrationTargetRow Dev = new("checkout", "dev", "sqlite: checkout-dev.db", TargetKind.Sqlite, RequiresApproval: false,
        Applied: 3, Pending: 0, Drift: 0, Error: null, AppliedNames: ["001_create_orders", "002_add_order_status", "003_index_orders"]);

    [Fact]
    public void The_plans_list_links_each_step_that_exists()
    {
        var expand = Guid.NewGuid();
        var rollout = Guid.NewGuid();
        var plan = new DeploymentPlan
        {
            Service = "checkout", Environment = "prod", Version = "1.2.0", RequestedBy = "rita", CreatedAt = DateTime.UtcNow,
            Status = DeploymentPlanStatus.RollingOut, ExpandBatchId = expand, RolloutId = rollout, Message = "Rolling out.",
        };

        var cut = Render<DeploymentPlansList>(p => p.Add(x => x.Plans, [plan]));

        var row = cut.Find($"[data-testid=plan-{plan.Id}]");
        Assert.Equal($"/migrations/batches/{expand}", row.QuerySelector("[data-testid=plan-expand]")!.GetAttribute("href"));
        Assert.Equal($"/rollouts/{rollout}", row.QuerySelector("[data-testid=plan-rollout]")!.GetAttribute("href"));
        Assert.Null(row.QuerySelector("[data-testid=plan-contract]"));
        Assert.Equal("RollingOut", row.QuerySelector("[data-testid=plan-status]")!.TextContent.Trim());
    }

    [Fact]
    public void The_plans_list_says_how_to_make_a_plan_when_there_is_none()
    {
        var cut = Render<DeploymentPlansList>(p => p.Add(x => x.Plans, []));
        Assert.Contains("POST /api/v1/deployment-plans", cut.Find("[data-testid=no-plans]").TextContent);
    }

    [Fact]
    public void The_revert_form_asks_then_hands_back_the_count_or_the_change_to_go_back_to()
    {
        var dialogs = Render<MudDialogProvider>();
        var chosen = new List<RevertForm.Choice>();
        var cut = Render<RevertForm>(p => p.Add(x => x.Row, Dev).Add(x => x.OnSubmit, c => chosen.Add(c)));

        cut.Find("[data-testid=revert-submit]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("the last applied change on sqlite: checkout-dev.db", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        Assert.Empty(chosen);
        dialogs.Find("[data-testid=confirm-action]").Click();
        cut.WaitForAssertion(() => Assert.Equal([new RevertForm.Choice(1, null)], chosen));

        cut.Find("input[data-testid=revert-mode-to]").Click();
        cut.WaitForElement("[data-testid=revert-to]");
        cut.Find("[data-testid=revert-submit]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("after 002_add_order_status", dialogs.Find("[data-testid=confirm-dialog]").TextContent));
        dialogs.Find("[data-testid=confirm-action]").Click();
        cut.WaitForAssertion(() => Assert.Equal(new RevertForm.Choice(null, "002_add_order_status"), chosen[^1]));
    }

    [Fact]
    public void Cancelling_the_revert_confirmation_requests_nothing()
    {
        var dialogs = Render<MudDialogProvider>();
        var chosen = new List<RevertForm.Choice>();
        var cancelled = 0;
        var cut = Render<RevertForm>(p => p.Add(x => x.Row, Dev).Add(x => x.OnSubmit, c => chosen.Add(c)).Add(x => x.OnCancel, () => cancelled++));

        cut.Find("[data-testid=revert-submit]").Click();
        dialogs.WaitForElement("[data-testid=confirm-cancel]").Click();
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-dialog]")));
        Assert.Empty(chosen);

        cut.Find("[data-testid=revert-cancel]").Click();
        Assert.Equal(1, cancelled);
    }

    [Fact]
    public void The_target_form_shows_a_refusal_itself_and_reports_it_was_not_saved()
    {
        SignIn("ada", Roles.Admin);
        var outcomes = new List<bool>();
        var cut = Render<TargetForm>(p => p.Add(x => x.Row, Dev).Add(x => x.OnDone, saved => outcomes.Add(saved)));

        cut.Find("[data-testid=target-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("A connection string is required.", cut.Find("[data-testid=target-error]").TextContent));
        Assert.Equal([false], outcomes);
    }

    [Fact]
    public void The_target_form_refuses_someone_who_may_not_configure_targets()
    {
        SignIn("rita", Roles.ReleaseManager);
        var outcomes = new List<bool>();
        var cut = Render<TargetForm>(p => p.Add(x => x.Row, Dev).Add(x => x.OnDone, saved => outcomes.Add(saved)));

        cut.Find("[data-testid=target-connection] input, input[data-testid=target-connection]").Input("Data Source=elsewhere.db");
        cut.Find("[data-testid=target-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains(Roles.Admin, cut.Find("[data-testid=target-error]").TextContent));
        Assert.Equal([false], outcomes);
    }
}
