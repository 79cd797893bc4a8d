using System.Globalization;
using OpsConsole.Core.Domain;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsConsole.Core.Alerting;

/// <summary>
/// Reads Alertmanager configuration: a <c>route:</c> section (with or without the key) or a full
/// config with receivers, inhibit_rules and time_intervals. Errors name the line and the matcher;
/// unknown keys are refused, as Alertmanager refuses them.
/// </summary>
public static class AlertmanagerYaml
{
    public const int MaxYamlLength = 256 * 1024;
    private const string Field = "alertmanagerYaml";

    private static readonly HashSet<string> RouteKeys = ["receiver", "group_by", "continue", "match", "match_re", "matchers", "group_wait", "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes"];

    public static AlertingConfig Parse(string? yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml)) throw new InvalidInputException(Field, "The configuration is empty: give a route section (receiver, routes, ...) or a full Alertmanager configuration.");
        if (yaml.Length > MaxYamlLength) throw new InvalidInputException(Field, $"The configuration is longer than {MaxYamlLength / 1024} KiB.");
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new InvalidInputException(Field, $"Line {e.Start.Line}: the YAML cannot be read: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode top)
            throw new InvalidInputException(Field, "Line 1: expected a mapping (route: ... or receiver: ...).");

        YamlMappingNode routeNode;
        List<string>? receivers = null;
        var inhibit = new List<InhibitRule>();
        var intervals = new Dictionary<string, TimeInterval>(StringComparer.Ordinal);
        if (Get(top, "route") is { } r)
        {
            routeNode = r as YamlMappingNode ?? throw Error(r, "'route' must be a mapping.");
            foreach (var (k, v) in top.Children)
            {
                var key = Scalar(k);
                switch (key)
                {
                    case "route": break;
                    case "receivers":
                        receivers = [];
                        foreach (var item in Seq(v))
                        {
                            var m = item as YamlMappingNode ?? throw Error(item, "a receiver must be a mapping with a name.");
                            var name = Get(m, "name") is { } n ? Scalar(n) : throw Error(item, "a receiver needs a name.");
                            if (receivers.Contains(name)) throw Error(item, $"receiver '{name}' is defined twice.");
                            receivers.Add(name);
                        }
                        break;
                    case "inhibit_rules":
                        foreach (var item in Seq(v)) inhibit.Add(ParseInhibit(item));
                        break;
                    case "time_intervals":
                    case "mute_time_intervals":
                        foreach (var item in Seq(v))
                        {
                            var ti = ParseTimeInterval(item);
                            if (!intervals.TryAdd(ti.Name, ti)) throw Error(item, $"time interval '{ti.Name}' is defined twice.");
                        }
                        break;
                    default:
                        break; // global, templates and other sections do not concern routing
                }
            }
        }
        else
        {
            routeNode = top;
        }

        var root = ParseRoute(routeNode, null, -1);
        if (root.Matchers.Count > 0) throw Error(routeNode, "the root route must not have matchers (it matches every alert).");
        if (string.IsNullOrEmpty(root.Receiver)) throw Error(routeNode, "the root route needs a receiver.");
        if (root.Continue) throw Error(routeNode, "the root route cannot have 'continue'.");
        if (root.MuteTimeIntervals.Count > 0) throw Error(routeNode, "the root route cannot have mute_time_intervals.");
        foreach (var node in root.Walk())
        {
            if (receivers is not null && !receivers.Contains(node.Receiver))
                throw new InvalidInputException(Field, $"Route {node.Step}: receiver '{node.Receiver}' is not defined under receivers.");
            foreach (var name in node.MuteTimeIntervals.Concat(node.ActiveTimeIntervals))
                if (!intervals.ContainsKey(name))
                    throw new InvalidInputException(Field, $"Route {node.Step}: time interval '{name}' is not defined under time_intervals.");
        }
        var receiverNames = receivers ?? root.Walk().Select(n => n.Receiver).Distinct().ToList();
        return new AlertingConfig(root, receiverNames, inhibit, intervals);
    }

    private static RouteNode ParseRoute(YamlMappingNode m, RouteNode? parent, int index)
    {
        foreach (var (k, _) in m.Children)
        {
            var key = Scalar(k);
            if (!RouteKeys.Contains(key)) throw Error(k, $"unknown route field '{key}' (known: {string.Join(", ", RouteKeys)}).");
        }
        var receiver = Get(m, "receiver") is { } rv ? Scalar(rv) : parent?.Receiver ?? "";
        var groupBy = parent?.GroupBy ?? [];
        var groupByAll = parent?.GroupByAll ?? false;
        if (Get(m, "group_by") is { } gb)
        {
            var names = Seq(gb).Select(Scalar).ToList();
            if (names.Contains("..."))
            {
                if (names.Count > 1) throw Error(gb, "group_by '...' (all labels) cannot be combined with other labels.");
                groupByAll = true;
                groupBy = [];
            }
            else
            {
                groupByAll = false;
                groupBy = names.Distinct().ToList();
            }
        }
        var matchers = new List<LabelMatcher>();
        if (Get(m, "match") is { } match)
            foreach (var (k, v) in Map(match).Children) matchers.Add(At(v, () => new LabelMatcher(Scalar(k), MatcherType.Equal, Scalar(v))));
        if (Get(m, "match_re") is { } matchRe)
            foreach (var (k, v) in Map(matchRe).Children) matchers.Add(At(v, () => new LabelMatcher(Scalar(k), MatcherType.Regex, Scalar(v))));
        if (Get(m, "matchers") is { } ms)
            foreach (var item in Seq(ms)) matchers.AddRange(At(item, () => LabelMatcher.ParseList(Scalar(item))));
        matchers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name) is var c && c != 0 ? c : string.CompareOrdinal(a.Value, b.Value));

        var node = new RouteNode
        {
            Parent = parent,
            Index = index,
            Matchers = matchers,
            Receiver = receiver,
            GroupBy = groupBy,
            GroupByAll = groupByAll,
            GroupWait = Duration(m, "group_wait") ?? parent?.GroupWait ?? RouteNode.DefaultGroupWait,
            GroupInterval = Duration(m, "group_interval") ?? parent?.GroupInterval ?? RouteNode.DefaultGroupInterval,
            RepeatInterval = Duration(m, "repeat_interval") ?? parent?.RepeatInterval ?? RouteNode.DefaultRepeatInterval,
            Continue = Get(m, "continue") is { } c && Bool(c),
            MuteTimeIntervals = Get(m, "mute_time_intervals") is { } mt ? Seq(mt).Select(Scalar).ToList() : [],
            ActiveTimeIntervals = Get(m, "active_time_intervals") is { } at ? Seq(at).Select(Scalar).ToList() : [],
        };
        if (node.GroupInterval <= TimeSpan.Zero) throw Error(m, "group_interval must be greater than 0.");
        if (node.RepeatInterval <= TimeSpan.Zero) throw Error(m, "repeat_interval must be greater than 0.");
        if (Get(m, "routes") is { } routes)
        {
            var i = 0;
            foreach (var child in Seq(routes))
                node.Routes.Add(ParseRoute(child as YamlMappingNode ?? throw Error(child, "each route must be a mapping."), node, i++));
        }
        return node;
    }

    private static InhibitRule ParseInhibit(YamlNode item)
    {
        var m = Map(item);
        List<LabelMatcher> Side(string prefix)
        {
            var list = new List<LabelMatcher>();
            if (Get(m, prefix + "_match") is { } eq)
                foreach (var (k, v) in Map(eq).Children) list.Add(At(v, () => new LabelMatcher(Scalar(k), MatcherType.Equal, Scalar(v))));
            if (Get(m, prefix + "_match_re") is { } re)
                foreach (var (k, v) in Map(re).Children) list.Add(At(v, () => new LabelMatcher(Scalar(k), MatcherType.Regex, Scalar(v))));
            if (Get(m, prefix + "_matchers") is { } ms)
                foreach (var s in Seq(ms)) list.AddRange(At(s, () => LabelMatcher.ParseList(Scalar(s))));
            return list;
        }
        var equal = Get(m, "equal") is { } e ? Seq(e).Select(Scalar).ToList() : [];
        return new InhibitRule(Side("source"), Side("target"), equal);
    }

    private static TimeInterval ParseTimeInterval(YamlNode item)
    {
        var m = Map(item);
        var name = Get(m, "name") is { } n ? Scalar(n) : throw Error(item, "a time interval needs a name.");
        var specs = new List<TimeIntervalSpec>();
        if (Get(m, "time_intervals") is { } list)
        {
            foreach (var s in Seq(list))
            {
                var sm = Map(s);
                var times = new List<(int, int)>();
                if (Get(sm, "times") is { } ts)
                    foreach (var t in Seq(ts))
                    {
                        var tm = Map(t);
                        var start = Clock(Get(tm, "start_time") ?? throw Error(t, "a time range needs start_time."));
                        var end = Clock(Get(tm, "end_time") ?? throw Error(t, "a time range needs end_time."));
                        if (end <= start) throw Error(t, "end_time must be after start_time.");
                        times.Add((start, end));
                    }
                TimeZoneInfo zone = TimeZoneInfo.Utc;
                if (Get(sm, "location") is { } loc)
                {
                    var id = Scalar(loc);
                    if (id is not ("UTC" or "Local" or ""))
                    {
                        try { zone = TimeZoneInfo.FindSystemTimeZoneById(id); }
                        catch (TimeZoneNotFoundException) { throw Error(loc, $"unknown time zone '{id}'."); }
                    }
                }
                specs.Add(new TimeIntervalSpec(times,
                    Ranges(sm, "weekdays", Weekday, 0, 6),
                    Ranges(sm, "days_of_month", v => int.Parse(v, CultureInfo.InvariantCulture), -31, 31),
                    Ranges(sm, "months", Month, 1, 12),
                    Ranges(sm, "years", v => int.Parse(v, CultureInfo.InvariantCulture), 1, 9999),
                    zone));
            }
        }
        return new TimeInterval(name, specs);
    }

    private static List<IntRange> Ranges(YamlMappingNode m, string key, Func<string, int> parse, int min, int max)
    {
        var result = new List<IntRange>();
        if (Get(m, key) is not { } node) return result;
        foreach (var item in Seq(node))
        {
            var text = Scalar(item).Trim().ToLowerInvariant();
            var parts = text.Split(':');
            try
            {
                var b = parse(parts[0].Trim());
                var e = parts.Length > 1 ? parse(parts[1].Trim()) : b;
                if (parts.Length > 2 || (b > e && Math.Sign(b) == Math.Sign(e)) || b < min || b > max || e < min || e > max || b == 0 && key == "days_of_month")
                    throw new FormatException();
                result.Add(new IntRange(b, e));
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or KeyNotFoundException)
            {
                throw Error(item, $"invalid {key} entry '{text}'.");
            }
        }
        return result;
    }

    private static readonly string[] Weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    private static readonly string[] Months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private static int Weekday(string s) => Array.IndexOf(Weekdays, s) is var i and >= 0 ? i : throw new FormatException();

    private static int Month(string s) =>
        Array.IndexOf(Months, s) is var i and >= 0 ? i + 1 : int.Parse(s, CultureInfo.InvariantCulture);

    private static int Clock(YamlNode n)
    {
        var s = Scalar(n);
        var parts = s.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var mi)
            && h is >= 0 and <= 24 && mi is >= 0 and < 60 && (h < 24 || mi == 0))
            return (h * 60) + mi;
        throw Error(n, $"invalid time '{s}' (use HH:MM, 00:00 to 24:00).");
    }

    private static T At<T>(YamlNode node, Func<T> build)
    {
        try { return build(); }
        catch (InvalidInputException e) { throw Error(node, e.Message); }
    }

    private static TimeSpan? Duration(YamlMappingNode m, string key)
    {
        if (Get(m, key) is not { } n) return null;
        var s = Scalar(n);
        return PromDuration.TryParse(s, out var d) ? d : throw Error(n, $"{key} '{s}' is not a duration (e.g. 30s, 5m, 4h).");
    }

    private static bool Bool(YamlNode n) => Scalar(n) switch
    {
        "true" or "True" or "yes" => true,
        "false" or "False" or "no" => false,
        var s => throw Error(n, $"'{s}' is not true or false."),
    };

    private static YamlNode? Get(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string Scalar(YamlNode n) => n is YamlScalarNode s ? s.Value ?? "" : throw Error(n, "expected a single value.");

    private static YamlMappingNode Map(YamlNode n) => n as YamlMappingNode ?? throw Error(n, "expected a mapping.");

    private static IEnumerable<YamlNode> Seq(YamlNode n) => n switch
    {
        YamlSequenceNode s => s.Children,
        YamlScalarNode { Value: null or "" } => [],
        _ => throw Error(n, "expected a list."),
    };

    private static InvalidInputException Error(YamlNode n, string message) =>
        new(Field, $"Line {n.Start.Line}: {message}");
}
