using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace OpsConsole.Core.Events.Webhooks;

/// <summary>Encrypts webhook secrets at rest with the console's data-protection keys.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("OpsConsole.Webhooks.Secret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    public static string Generate() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
