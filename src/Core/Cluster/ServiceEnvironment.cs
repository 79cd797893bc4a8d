using System.Text.RegularExpressions;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Cluster;

/// <summary>
/// One service in one environment, e.g. <c>checkout/prod</c>: the unit that owns revisions, an
/// ingress and a traffic split. Names are DNS labels (lowercase letters, digits, '-'; at most 63),
/// so they map one to one onto Kubernetes names (environment = namespace, service = Service/HTTPRoute).
/// </summary>
public readonly partial record struct ServiceEnvironment
{
    public ServiceEnvironment(string service, string environment)
    {
        Service = Check(service, "service");
        Environment = Check(environment, "environment");
    }

    public string Service { get; }
    public string Environment { get; }

    /// <summary>The CloudEvents subject form, <c>service/environment</c>.</summary>
    public override string ToString() => $"{Service}/{Environment}";

    /// <summary>Parses <c>service/environment</c>.</summary>
    public static ServiceEnvironment Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash != text.LastIndexOf('/'))
            throw new InvalidInputException("target", $"'{text}' is not of the form service/environment.");
        return new ServiceEnvironment(text[..slash], text[(slash + 1)..]);
    }

    private static string Check(string value, string field)
    {
        if (string.IsNullOrEmpty(value) || !DnsLabel().IsMatch(value))
            throw new InvalidInputException(field,
                $"The {field} name '{value}' is not valid: use 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.");
        return value;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
