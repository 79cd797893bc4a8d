using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Core.Rollouts.Analysis;

public sealed record TemplateVersionView(string Name, int Version, string CreatedBy, DateTime CreatedAt,
    [property: JsonConverter(typeof(TemplateAsWritten))] AnalysisTemplate Template);

/// <summary>
/// A template in an API answer reads as people write it (sources and tests by name, durations as "2s"),
/// so one read back can be edited and saved again as it is.
/// </summary>
public sealed class TemplateAsWritten : JsonConverter<AnalysisTemplate>
{
    public override AnalysisTemplate? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<AnalysisTemplate>(ref reader, AnalysisTemplateLibrary.Json);

    public override void Write(Utf8JsonWriter writer, AnalysisTemplate value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, AnalysisTemplateLibrary.Json);
}

/// <summary>
/// The stored analysis templates. Saving a template adds a version; rollouts started afterwards use
/// the latest, and every analysis run keeps a copy of the version it ran with.
/// </summary>
public sealed class AnalysisTemplateLibrary(OpsDbContext db, TimeProvider clock, Egress.EgressPolicy? egress = null)
{
    /// <summary>Template JSON as people write it: durations as "1s", "500ms", "2m" (or "00:00:01"), sources and policies by name.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(), new DurationConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// The templates as <paramref name="reader"/> may see them: those who may change templates see
    /// check URLs whole; everyone else sees their scheme and host, since a URL may carry a token.
    /// </summary>
    public async Task<IReadOnlyList<TemplateVersionView>> ListAsync(Actor reader, bool allVersions = false, CancellationToken ct = default)
    {
        var rows = await db.AnalysisTemplates.AsNoTracking().OrderBy(t => t.Name).ThenByDescending(t => t.Version).ToListAsync(ct);
        if (!allVersions) rows = rows.GroupBy(r => r.Name).Select(g => g.First()).ToList();
        var whole = reader.IsInAnyRole(Roles.ReleaseManager, Roles.Admin);
        return rows.Select(r => new TemplateVersionView(r.Name, r.Version, r.CreatedBy, r.CreatedAt, whole ? r.Template : WithoutUrlSecrets(r.Template))).ToList();
    }

    private static AnalysisTemplate WithoutUrlSecrets(AnalysisTemplate t) =>
        t with { Metrics = t.Metrics.Select(m => m.Url is null ? m : m with { Url = Egress.SafeUrl.SchemeAndHost(m.Url) }).ToList() };

    public async Task<TemplateVersionView> SaveAsync(Actor actor, JsonElement json, CancellationToken ct = default)
    {
        actor.Require("change analysis templates", Roles.ReleaseManager, Roles.Admin);
        AnalysisTemplate template;
        try
        {
            template = json.Deserialize<AnalysisTemplate>(Json) ?? throw new InvalidInputException("template", "The body is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException("template", $"The template is not well formed: {ex.Message}");
        }
        if (string.IsNullOrWhiteSpace(template.Name) || template.Name.Length > 63 || !template.Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            throw new InvalidInputException("name", "A template name is 1 to 63 lowercase letters, digits and '-'.");
        template.Compile(); // every condition parses, every metric is complete
        template.CheckLimits();
        // A literal private or loopback address is refused now, with what to do; names are checked at connect time.
        var policy = egress ?? new Egress.EgressPolicy();
        foreach (var (m, i) in template.Metrics.Select((m, i) => (m, i)))
            if (m.Source == MetricSource.HttpJson) policy.CheckUrl(new Uri(m.Url!), $"metrics[{i}].url");

        var latest = await db.AnalysisTemplates.Where(t => t.Name == template.Name).MaxAsync(t => (int?)t.Version, ct) ?? 0;
        var stored = new StoredAnalysisTemplate
        {
            Name = template.Name, Version = latest + 1, Json = JsonSerializer.Serialize(template with { Version = latest + 1 }),
            CreatedBy = actor.Name, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.AnalysisTemplates.Add(stored);
        AuditTrail.Record(db, actor, "analysis-template.save", $"analysis-template/{template.Name}", after: new { template.Name, version = stored.Version, metrics = template.Metrics.Select(m => m.Name) });
        await db.SaveChangesAsync(ct);
        return new TemplateVersionView(stored.Name, stored.Version, stored.CreatedBy, stored.CreatedAt, stored.Template);
    }

    private sealed class DurationConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number) return TimeSpan.FromSeconds(reader.GetDouble());
            var text = reader.GetString();
            if (Durations.TryParse(text, out var d) || TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out d)) return d;
            throw new JsonException($"'{text}' is not a duration: write e.g. \"1s\", \"500ms\" or \"2m\".");
        }

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) => writer.WriteStringValue(Durations.Format(value));
    }
}
