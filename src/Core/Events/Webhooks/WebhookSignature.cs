using System.Security.Cryptography;
using System.Text;

namespace OpsConsole.Core.Events.Webhooks;

/// <summary>
/// HMAC-SHA256 over the exact request body, sent as <c>X-OpsConsole-Signature: sha256=&lt;hex&gt;</c>.
/// Receivers recompute it with their copy of the secret and compare in constant time.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-OpsConsole-Signature";
    public const string EventIdHeader = "X-OpsConsole-Event-Id";
    public const string DeliveryIdHeader = "X-OpsConsole-Delivery-Id";

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static bool IsValid(string secret, byte[] body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(header));
}
