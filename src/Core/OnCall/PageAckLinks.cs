using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace OpsConsole.Core.OnCall;

/// <summary>
/// Signed, time-limited acknowledgement links: the token names one page and the person paged for it,
/// is encrypted and authenticated by the console's data-protection keys and expires; a changed or
/// expired token reads as nothing.
/// </summary>
public sealed class PageAckLinks(IDataProtectionProvider protection, OnCallOptions options, TimeProvider clock)
{
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("OpsConsole.OnCall.PageAck.v1").ToTimeLimitedDataProtector();

    public string CreateToken(Guid pageId, string user) =>
        _protector.Protect($"{pageId:N}|{user}", clock.GetUtcNow() + options.AckLinkLifetime);

    public string CreateUrl(Guid pageId, string user) =>
        $"{options.PublicUrl.TrimEnd('/')}/oncall/ack?token={Uri.EscapeDataString(CreateToken(pageId, user))}";

    /// <summary>The page and user a token names, or null when it was changed, made with other keys, or has expired.</summary>
    public (Guid PageId, string User)? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096) return null;
        try
        {
            var text = _protector.Unprotect(token, out var expiration);
            if (expiration < clock.GetUtcNow()) return null;
            var bar = text.IndexOf('|');
            return bar > 0 && Guid.TryParseExact(text[..bar], "N", out var id) ? (id, text[(bar + 1)..]) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
