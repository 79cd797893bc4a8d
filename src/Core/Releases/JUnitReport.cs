using System.Globalization;
using System.Xml;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Releases;

/// <summary>
/// The counts a JUnit XML report (the format CI tools write) gives for one check: read from its
/// <c>testcase</c> elements (a <c>failure</c>, <c>error</c> or <c>skipped</c> child marks the case),
/// not from the totals a tool writes on <c>testsuite</c>, which tools fill in differently. The
/// reader refuses DTDs (no entity expansion, no external entities), resolves nothing and reads at
/// most <see cref="MaxBytes"/>.
/// </summary>
public sealed record JUnitReport(int Tests, int Failures, int Errors, int Skipped, double DurationSeconds, IReadOnlyList<string> FailedTests)
{
    public const int MaxBytes = 5 * 1024 * 1024;
    public const int MaxFailedNames = 50;

    public bool Passed => Tests > 0 && Failures == 0 && Errors == 0;

    /// <exception cref="InvalidInputException">Not a JUnit report, not well-formed, with a DTD, or over the size limit.</exception>
    public static JUnitReport Parse(ReadOnlyMemory<byte> xml)
    {
        if (xml.Length > MaxBytes)
            throw new InvalidInputException("junit", $"The JUnit report is {xml.Length} bytes; at most {MaxBytes} bytes are accepted.");
        if (xml.IsEmpty) throw new InvalidInputException("junit", "The JUnit report is empty: send the XML file as the request body.");
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            MaxCharactersInDocument = MaxBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = true,
        };
        try
        {
            using var stream = new MemoryStream(xml.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, settings);
            return Read(reader);
        }
        catch (XmlException e)
        {
            var why = e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase)
                ? "a DTD or entity declaration is not allowed"
                : $"it is not well-formed XML (line {e.LineNumber}, position {e.LinePosition})";
            throw new InvalidInputException("junit", $"The JUnit report cannot be read: {why}.");
        }
    }

    private static JUnitReport Read(XmlReader reader)
    {
        reader.MoveToContent();
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName is not ("testsuites" or "testsuite"))
            throw new InvalidInputException("junit", $"The report's root element is <{reader.LocalName}>; a JUnit report starts with <testsuites> or <testsuite>.");
        int tests = 0, failures = 0, errors = 0, skipped = 0;
        double duration = 0;
        var failed = new List<string>();
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "testcase") continue;
            tests++;
            var name = reader.GetAttribute("name") ?? "(unnamed)";
            var classname = reader.GetAttribute("classname");
            if (double.TryParse(reader.GetAttribute("time"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is >= 0 and < 1e7) duration += t;
            var outcome = CaseOutcome(reader);
            switch (outcome)
            {
                case "failure": failures++; break;
                case "error": errors++; break;
                case "skipped": skipped++; break;
            }
            if (outcome is "failure" or "error" && failed.Count < MaxFailedNames)
            {
                var full = string.IsNullOrEmpty(classname) ? name : $"{classname}.{name}";
                failed.Add(full.Length <= 300 ? full : full[..300] + "…");
            }
        }
        return new JUnitReport(tests, failures, errors, skipped, Math.Round(duration, 3), failed);
    }

    /// <summary>Reads the test case to its end; the first failure, error or skipped child decides (failure and error outrank skipped).</summary>
    private static string? CaseOutcome(XmlReader reader)
    {
        if (reader.IsEmptyElement) return null;
        string? outcome = null;
        var depth = reader.Depth;
        while (reader.Read() && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Depth != depth + 1) continue;
            outcome = (reader.LocalName, outcome) switch
            {
                ("failure", null or "skipped") => "failure",
                ("error", null or "skipped") => "error",
                ("skipped", null) => "skipped",
                _ => outcome,
            };
        }
        return outcome;
    }
}
