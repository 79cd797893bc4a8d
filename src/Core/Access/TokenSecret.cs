using System.Security.Cryptography;
using System.Text;

namespace OpsConsole.Core.Access;

/// <summary>Creates and hashes API token secrets. Secrets carry 256 random bits, so a plain SHA-256 is a sufficient verifier.</summary>
public static class TokenSecret
{
    public const string Prefix = "opc_";

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string DisplayPrefix(string secret) => secret.Length <= 10 ? secret[..Math.Min(4, secret.Length)] : secret[..10];

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
