using OpsConsole.Core.Domain;
using OpsConsole.Core.Runbooks;

namespace OpsConsole.Core.Tests.Runbooks;

public sealed class RunbookDocumentTests
{
    [Fact]
    public void Front_matter_gives_every_field()
    {
        var doc = RunbookDocument.Parse("""
            ---
            title: High latency
            slug: high-latency
            services: [checkout, payments]
            alerts:
              - alertname="HighLatency"
              - '{alertname="P99", env=~"prod|staging"}'
              - BareAlert
            severity: Critical
            owners: [sre, payments]
            last_reviewed: 2026-10-01
            tags: [latency, p99]
            ---
            # High latency
            Text.
            """);
        Assert.Equal("high-latency", doc.Slug);
        Assert.Equal("High latency", doc.Title);
        Assert.Equal(["checkout", "payments"], doc.Services);
        Assert.Equal(3, doc.Alerts.Count);
        Assert.Equal("critical", doc.Severity);
        Assert.Equal(["sre", "payments"], doc.Owners);
        Assert.Equal(new DateOnly(2026, 10, 1), doc.LastReviewed);
        Assert.Equal(["latency", "p99"], doc.Tags);
        Assert.StartsWith("# High latency", doc.Body);
        Assert.True(doc.Alerts[2].Matches(new Dictionary<string, string> { ["alertname"] = "BareAlert" }));
    }

    [Theory]
    [InlineData("# no front matter\n", "no front matter")]
    [InlineData("---\ntitle: x\n", "not closed")]
    [InlineData("---\ntitle: [unclosed\n---\nbody\n", "not valid YAML")]
    [InlineData("---\n- a\n- b\n---\nbody\n", "YAML fields")]
    [InlineData("---\ntitle: x\nlast_reviewed: yesterday\n---\n", "not a date")]
    [InlineData("---\ntitle: x\nseverity: apocalyptic\n---\n", "Unknown severity")]
    [InlineData("---\ntitle: x\nalerts: ['alertname=~\"(\"']\n---\n", "invalid regular expression")]
    [InlineData("---\ntitle: x\nalerts: ['alertname=\"x']\n---\n", "no closing quote")]
    [InlineData("---\ntitle: x\nslug: Not A Slug\n---\n", "slug")]
    [InlineData("---\ntitle: x\nservices: {a: b}\n---\n", "must be a list")]
    public void Broken_front_matter_is_a_clear_error(string markdown, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => RunbookDocument.Parse(markdown));
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Steps_are_tasks_and_action_blocks_in_document_order()
    {
        var doc = RunbookDocument.Parse(RunbookFixture.Markdown(body:
            "- [ ] look at the dashboard\n- [x] done already\n\n" + RunbookFixture.AbortStep + "\n```action\nname: http.check\nurl: https://example.com/\ntitle: Check it\n```\n\n```bash\nrm -rf /\n```\n"));
        Assert.Equal(4, doc.Steps.Count);
        Assert.Equal([RunbookStepKind.Task, RunbookStepKind.Task, RunbookStepKind.Action, RunbookStepKind.Action], doc.Steps.Select(s => s.Kind));
        Assert.Equal("look at the dashboard", doc.Steps[0].Title);
        Assert.Equal("rollout.abort", doc.Steps[2].Action);
        Assert.Equal("prod", doc.Steps[2].Arguments["environment"]);
        Assert.False(doc.Steps[2].Arguments.ContainsKey("name"));
        Assert.Equal("Check it", doc.Steps[3].Title);
        Assert.Equal([1, 2, 3, 4], doc.Steps.Select(s => s.Number));
    }

    [Theory]
    [InlineData("```action\nservice: x\n```\n", "step 1: the action block")]
    [InlineData("```action\n- rm\n```\n", "step 1: the action block")]
    [InlineData("```action\nname: rollout.abort\nservice: [a, b]\n```\n", "step 1")]
    public void A_broken_action_block_names_its_step(string block, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => RunbookDocument.Parse(RunbookFixture.Markdown(body: block)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alertname=\"HighErrorRate\"", true)]
    [InlineData("alertname!=\"HighErrorRate\"", false)]
    [InlineData("{alertname=\"HighErrorRate\", service=~\"check.*\"}", true)]
    [InlineData("{alertname=\"HighErrorRate\", service=~\"check\"}", false)] // anchored, as Alertmanager
    [InlineData("{alertname=\"HighErrorRate\", service!~\"pay.*\"}", true)]
    [InlineData("{alertname=\"HighErrorRate\", team=\"\"}", true)] // a missing label is the empty string
    [InlineData("{alertname=\"HighErrorRate\", env=\"prod\"}", false)]
    [InlineData("HighErrorRate", true)]
    public void Matchers_follow_alertmanager(string set, bool expected)
    {
        var labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = "checkout" };
        Assert.Equal(expected, LabelMatcher.MatchesAll(LabelMatcher.ParseSet(set), labels));
    }

    [Fact]
    public void Slugs_come_from_the_title_when_none_is_given()
    {
        Assert.Equal("high-error-rate-on-checkout", RunbookDocument.Slugify("High error rate on checkout!"));
        Assert.Equal("high-error-rate", RunbookDocument.Parse(RunbookFixture.Markdown()).Slug);
    }
}
