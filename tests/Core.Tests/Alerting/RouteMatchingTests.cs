using OpsConsole.Core.Alerting;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Tests.Alerting;

/// <summary>Route matching as Alertmanager documents it: depth-first, continue, inheritance, grouping, defaults.</summary>
public sealed class RouteMatchingTests
{
    private const string Tree = """
        route:
          receiver: default
          group_by: [alertname]
          routes:
            - matchers: ['service="checkout"']
              receiver: checkout-team
              group_wait: 10s
              routes:
                - match: { severity: critical }
                  receiver: checkout-pager
                  repeat_interval: 1h
                - match_re: { severity: "warn.*" }
                  group_by: ['...']
            - match_re: { service: "pay.*" }
              receiver: payments
              continue: true
              group_by: [alertname, environment]
            - matchers: ['environment=~"prod|staging"', 'team!="db"']
              receiver: prod-watch
              group_interval: 1m
            - matchers: ['team="db"']
              receiver: db
        receivers:
          - name: default
          - name: checkout-team
          - name: checkout-pager
          - name: payments
          - name: prod-watch
          - name: db
        """;

    private static Dictionary<string, string> L(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    public static TheoryData<string, string> Cases => new()
    {
        { "alertname=X", "default" },
        { "service=checkout", "checkout-team" },
        { "service=checkout,severity=critical", "checkout-pager" },
        { "service=checkout,severity=warning", "checkout-team" },
        { "service=checkout,severity=warn", "checkout-team" },
        // anchored: "awarning" is not "warn.*"
        { "service=checkout,severity=awarning", "checkout-team" },
        // continue: payments and the next matching sibling
        { "service=payments,environment=prod", "payments,prod-watch" },
        { "service=payments,environment=dev", "payments" },
        // anchored: "xpayments" does not match pay.*
        { "service=xpayments,environment=dev", "default" },
        { "environment=staging", "prod-watch" },
        // != on a missing label: team is "" which is not "db"
        { "environment=prod,team=db", "db" },
        { "team=db", "db" },
        // first match without continue stops: checkout wins over prod-watch
        { "service=checkout,environment=prod", "checkout-team" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Receivers_in_alertmanager_order(string labels, string expected)
    {
        var config = AlertmanagerYaml.Parse(Tree);
        var got = config.Match(L(labels.Split(','))).Select(m => m.Receiver);
        Assert.Equal(expected, string.Join(",", got));
    }

    [Fact]
    public void Children_inherit_receiver_grouping_and_timings_and_defaults_apply_at_the_root()
    {
        var config = AlertmanagerYaml.Parse(Tree);
        var root = config.Match(L("alertname=X")).Single();
        Assert.Equal((30, 300, 14400), (root.GroupWaitSeconds, root.GroupIntervalSeconds, root.RepeatIntervalSeconds));
        Assert.Equal(["alertname"], root.GroupBy);
        Assert.Equal(["root"], root.Path);

        var pager = config.Match(L("service=checkout", "severity=critical")).Single();
        Assert.Equal((10, 300, 3600), (pager.GroupWaitSeconds, pager.GroupIntervalSeconds, pager.RepeatIntervalSeconds));
        Assert.Equal(["alertname"], pager.GroupBy);
        Assert.Equal(["root", "routes[0] {service=\"checkout\"}", "routes[0] {severity=\"critical\"}"], pager.Path);

        // a child without a receiver takes its parent's; group_by '...' means all labels
        var warn = config.Match(L("service=checkout", "severity=warning")).Single();
        Assert.Equal("checkout-team", warn.Receiver);
        Assert.Equal(["..."], warn.GroupBy);
        Assert.Equal(10, warn.GroupWaitSeconds);
    }

    [Fact]
    public void Group_keys_follow_route_and_group_labels()
    {
        var config = AlertmanagerYaml.Parse(Tree);
        var a = L("alertname=A", "service=payments", "environment=prod", "instance=1");
        var b = L("alertname=A", "service=payments", "environment=prod", "instance=2");
        var c = L("alertname=B", "service=payments", "environment=prod", "instance=1");
        var route = config.Root.Match(a)[0];
        Assert.Equal(route.GroupKey(route.GroupLabels(a)), route.GroupKey(route.GroupLabels(b)));
        Assert.NotEqual(route.GroupKey(route.GroupLabels(a)), route.GroupKey(route.GroupLabels(c)));
        Assert.Equal("{}/{service=~\"pay.*\"}:{alertname=\"A\",environment=\"prod\"}", route.GroupKey(route.GroupLabels(a)));
    }

    [Fact]
    public void A_bare_route_section_is_accepted_without_the_route_key()
    {
        var config = AlertmanagerYaml.Parse("""
            receiver: ops
            group_by: ['...']
            routes:
              - matchers: ['{severity=~"critical|page", team="web"}']
                receiver: web-pager
            """);
        Assert.Equal("web-pager", config.Match(L("severity=page", "team=web")).Single().Receiver);
        Assert.Equal("ops", config.Match(L("severity=page", "team=api")).Single().Receiver);
        Assert.Equal(["..."], config.Match(L("a=b")).Single().GroupBy);
    }

    [Theory]
    [InlineData("receiver: a\nroutes:\n  - matchers: ['x=~\"(\"']\n    receiver: b\n", "Line 3", "x=~")]
    [InlineData("receiver: a\nroutes:\n  - match_re: { x: \"[a-\" }\n", "Line 3", "Invalid regular expression")]
    [InlineData("receiver: a\nroutes:\n  - receiver: b\n    group_wiat: 10s\n", "Line 4", "group_wiat")]
    [InlineData("receiver: a\nroutes: [\n", "Line", "cannot be read")]
    [InlineData("route:\n  receiver: a\n  routes:\n    - receiver: missing\nreceivers:\n  - name: a\n", "routes[0]", "missing")]
    [InlineData("routes:\n  - receiver: b\n", "Line 1", "root route needs a receiver")]
    [InlineData("receiver: a\ngroup_wait: soon\n", "Line 2", "group_wait")]
    [InlineData("receiver: a\nroutes:\n  - receiver: b\n    mute_time_intervals: [nights]\n", "routes[0]", "nights")]
    public void Invalid_configuration_is_refused_naming_the_line_or_route(string yaml, string where, string what)
    {
        var e = Assert.Throws<InvalidInputException>(() => AlertmanagerYaml.Parse(yaml));
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catastrophic_regex_does_not_hang()
    {
        var m = LabelMatcher.Parse("x=~\"(a+)+$\"");
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(m.Matches(L("x=" + new string('a', 50_000) + "!")));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Theory]
    [InlineData("a=\"b\"", "a", MatcherType.Equal, "b")]
    [InlineData("a != b", "a", MatcherType.NotEqual, "b")]
    [InlineData("a=~\"x|y\"", "a", MatcherType.Regex, "x|y")]
    [InlineData("a!~\"x\\\"q\"", "a", MatcherType.NotRegex, "x\"q")]
    public void Matchers_parse_in_alertmanager_syntax(string text, string name, MatcherType type, string value)
    {
        var m = LabelMatcher.Parse(text);
        Assert.Equal((name, type, value), (m.Name, m.Type, m.Value));
    }

    [Theory]
    [InlineData("", "cbf29ce484222325")]
    [InlineData("alertname=HighErrorRate,service=checkout", "e2c3a7f7be80496b")]
    [InlineData("a=é", "0019cb2f2449a23e")]
    public void Fingerprint_is_alertmanagers(string labels, string expected)
    {
        var dict = labels.Length == 0 ? [] : L(labels.Split(','));
        Assert.Equal(expected, AlertFingerprint.Compute(dict));
    }

    [Fact]
    public void Inhibition_needs_a_firing_source_with_equal_labels_and_no_self_inhibition()
    {
        var config = AlertmanagerYaml.Parse("""
            route: { receiver: a }
            receivers: [{ name: a }]
            inhibit_rules:
              - source_matchers: [severity="critical"]
                target_matchers: [severity="warning"]
                equal: [service]
              - source_match: { alertname: Both }
                target_match_re: { alertname: "Both" }
            """);
        var rule = config.InhibitRules[0];
        var critical = ("c1", (IReadOnlyDictionary<string, string>)L("severity=critical", "service=checkout"));
        Assert.True(rule.Inhibits(L("severity=warning", "service=checkout"), "w1", [critical]));
        Assert.False(rule.Inhibits(L("severity=warning", "service=payments"), "w2", [critical]));
        Assert.False(rule.Inhibits(L("severity=warning", "service=checkout"), "w1", []));
        // equal on a label both lack: equal ("" == "")
        Assert.True(rule.Inhibits(L("severity=warning"), "w3", [("c2", L("severity=critical"))]));
        // an alert matching both sides is not inhibited by another one matching both sides
        var both = config.InhibitRules[1];
        Assert.False(both.Inhibits(L("alertname=Both"), "b1", [("b2", L("alertname=Both"))]));
    }

    [Fact]
    public void Time_intervals_mute_and_activate_routes()
    {
        var config = AlertmanagerYaml.Parse("""
            route:
              receiver: a
              routes:
                - matchers: [team=web]
                  receiver: web
                  mute_time_intervals: [weekend-nights]
                - matchers: [team=ops]
                  receiver: ops
                  active_time_intervals: [office]
            receivers: [{ name: a }, { name: web }, { name: ops }]
            time_intervals:
              - name: weekend-nights
                time_intervals:
                  - weekdays: ['saturday', 'sunday']
                    times: [{ start_time: "00:00", end_time: "06:00" }]
              - name: office
                time_intervals:
                  - weekdays: ['monday:friday']
                    times: [{ start_time: "09:00", end_time: "17:00" }]
                    months: ['january:june', 'december']
                    days_of_month: ['1:-2']
                    location: Europe/Berlin
            """);
        var web = config.Root.Match(L("team=web"))[0];
        var ops = config.Root.Match(L("team=ops"))[0];
        // Saturday 2026-11-28 03:00 UTC: muted; 07:00: not; Monday 03:00: not
        Assert.True(config.IsMuted(web, new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero)));
        Assert.False(config.IsMuted(web, new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero)));
        Assert.False(config.IsMuted(web, new DateTimeOffset(2026, 11, 30, 3, 0, 0, TimeSpan.Zero)));
        // Berlin office hours: Tue 2026-12-01 08:30 UTC = 09:30 CET: active; 16:30 UTC = 17:30 CET: not
        Assert.False(config.IsMuted(ops, new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero)));
        Assert.True(config.IsMuted(ops, new DateTimeOffset(2026, 12, 1, 16, 30, 0, TimeSpan.Zero)));
        // November is outside the months; the last day of the month is outside 1:-2
        Assert.True(config.IsMuted(ops, new DateTimeOffset(2026, 11, 3, 9, 30, 0, TimeSpan.Zero)));
        Assert.True(config.IsMuted(ops, new DateTimeOffset(2026, 12, 31, 9, 30, 0, TimeSpan.Zero)));
        // mute intervals are not inherited: a child of web would not be muted (Alertmanager's rule)
        Assert.False(config.IsMuted(config.Root, new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero)));
    }
}
