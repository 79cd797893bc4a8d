using Bunit;
using MudBlazor;
using OpsConsole.Console.Components.Pages.Audit;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Tests.Shared;

namespace OpsConsole.Console.Tests.Components;

/// <summary>The audit trail page over a real store: the entries, the actor filter, and the chain check.</summary>
public sealed class AuditTrailPageTests : ComponentContext
{
    public AuditTrailPageTests()
    {
        using var db = NewDb();
        foreach (var (actor, action, target) in new[]
                 {
                     ("alice", "user.create", "user/bob"),
                     ("bob", "token.create", "token/1"),
                     ("alice", "user.roles.set", "user/bob"),
                     ("carol", "webhook.create", "webhook/1"),
                     ("bob", "token.revoke", "token/1"),
                 })
        {
            AuditTrail.Record(db, new Actor(actor, new HashSet<string> { Roles.Admin }, Guid.NewGuid().ToString("N")), action, target, after: new { note = action });
            db.SaveChanges();
        }
        SignIn("auditor", Roles.Viewer);
    }

    private IRenderedComponent<AuditTrailPage> RenderPage()
    {
        Render<MudPopoverProvider>();
        return Render<AuditTrailPage>();
    }

    private static List<(string Sequence, string Actor, string Action)> Rows(IRenderedComponent<AuditTrailPage> cut) =>
        cut.FindAll("[data-testid=audit-table] tbody tr").Select(tr => (
            tr.QuerySelector("td[data-label='#']")?.TextContent.Trim() ?? "",
            tr.QuerySelector("td[data-label=Actor]")?.TextContent.Trim() ?? "",
            tr.QuerySelector("[data-testid=audit-action]")?.TextContent.Trim() ?? "")).ToList();

    [Fact]
    public void Lists_the_entries_newest_first_with_the_total()
    {
        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Equal(5, Rows(cut).Count));
        Assert.Equal(["5", "4", "3", "2", "1"], Rows(cut).Select(r => r.Sequence));
        Assert.Equal(("5", "bob", "token.revoke"), Rows(cut)[0]);
        Assert.Equal("5 entries", cut.Find("[data-testid=audit-total]").TextContent.Trim());
    }

    [Fact]
    public void Filters_by_actor()
    {
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(5, Rows(cut).Count));

        cut.Find("[data-testid=filter-actor] input, input[data-testid=filter-actor]").Change("alice");
        cut.Find("[data-testid=filter-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));
        Assert.All(Rows(cut), r => Assert.Equal("alice", r.Actor));
        Assert.Equal(["user.roles.set", "user.create"], Rows(cut).Select(r => r.Action));
        Assert.Equal("2 entries", cut.Find("[data-testid=audit-total]").TextContent.Trim());
    }

    [Fact]
    public void Verify_reports_an_intact_chain()
    {
        var cut = RenderPage();
        // The entries load from the store asynchronously (on PostgreSQL truly so): verify once they are shown.
        cut.WaitForAssertion(() => Assert.Equal(5, Rows(cut).Count));

        cut.Find("[data-testid=verify-chain]").Click();

        cut.WaitForAssertion(() =>
        {
            var result = cut.Find("[data-testid=verify-result]");
            Assert.Equal("true", result.GetAttribute("data-intact"));
            Assert.Contains("The chain is intact: 5 entries checked.", result.TextContent);
        });
    }

    [Fact]
    public void Verify_shows_where_the_chain_breaks_after_tampering()
    {
        using (var attacker = TestStores.OpenConnection(StoreConnectionString))
        {
            using var command = attacker.CreateCommand();
            command.CommandText = TestStores.DropAuditTriggerSql("AuditEntries_NoUpdate") + "; UPDATE \"AuditEntries\" SET \"Actor\" = 'mallory' WHERE \"Sequence\" = 3;";
            command.ExecuteNonQuery();
        }
        var cut = RenderPage();
        // The page shows the rewritten row as stored; only the chain check reveals it.
        cut.WaitForAssertion(() => Assert.Equal("mallory", Rows(cut).Single(r => r.Sequence == "3").Actor));

        cut.Find("[data-testid=verify-chain]").Click();

        cut.WaitForAssertion(() =>
        {
            var result = cut.Find("[data-testid=verify-result]");
            Assert.Equal("false", result.GetAttribute("data-intact"));
            Assert.Contains("The chain is broken at entry 3.", result.TextContent);
            Assert.Contains("2 entries before it are intact", result.TextContent);
        });
    }
}
