using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace OpsConsole.Core.Migrations.Evidence;

/// <summary>Whether a stored evidence document still hashes to the SHA-256 it was sealed with.</summary>
public sealed record EvidenceVerification(bool Intact, string? Claimed, string Computed, string? Expected);

/// <summary>
/// Hashes evidence over a canonical JSON form (object keys sorted by code point, no insignificant
/// whitespace, one escaping rule), so the hash survives re-indenting or re-ordering by a store or a
/// download, while any change to a value changes it. The audit chain holds the hash; the document
/// carries it too, as "sha256", which is left out of what is hashed.
/// </summary>
public static class EvidenceSeal
{
    public const string HashProperty = "sha256";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };

    public static JsonObject ToNode(MigrationEvidence evidence) => JsonSerializer.SerializeToNode(evidence, Json)!.AsObject();

    public static string Sha256(MigrationEvidence evidence) => Sha256(ToNode(evidence));

    /// <summary>The hash of a record: of its canonical form, without any "sha256" property it carries.</summary>
    public static string Sha256(JsonObject record)
    {
        var copy = record.DeepClone().AsObject();
        copy.Remove(HashProperty);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(copy))));
    }

    /// <summary>The downloadable document: the record with its hash, indented for people.</summary>
    public static string ToDocument(MigrationEvidence evidence)
    {
        var node = ToNode(evidence);
        node[HashProperty] = Sha256(node);
        return node.ToJsonString(Indented);
    }

    public static MigrationEvidence FromDocument(string document) =>
        JsonSerializer.Deserialize<MigrationEvidence>(document, Json) ?? throw new JsonException("The evidence document is empty.");

    /// <summary>
    /// Checks a stored document: its content must hash to the hash it claims and, when given, to the
    /// hash the audit chain recorded (a forger who recomputes the embedded hash still fails that one).
    /// </summary>
    public static EvidenceVerification Verify(string document, string? expectedSha256 = null)
    {
        JsonObject node;
        try
        {
            node = JsonNode.Parse(document)?.AsObject() ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return new EvidenceVerification(false, null, "", expectedSha256);
        }
        var claimed = node[HashProperty]?.GetValue<string>();
        var computed = Sha256(node);
        var intact = (claimed is null || claimed == computed) && (expectedSha256 is null || expectedSha256 == computed) && (claimed ?? expectedSha256) is not null;
        return new EvidenceVerification(intact, claimed, computed, expectedSha256);
    }

    /// <summary>Canonical JSON text: sorted keys, compact, strings escaped only where JSON requires it.</summary>
    public static string Canonical(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false }))
            Write(writer, node);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                if (node.GetValueKind() == JsonValueKind.String) writer.WriteStringValue(node.GetValue<string>());
                else node.WriteTo(writer);
                break;
        }
    }
}
