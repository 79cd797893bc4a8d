using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using OpsConsole.Core.Egress;

namespace OpsConsole.Core.OnCall;

public sealed record DeliveryResult(bool Ok, string Detail);

/// <summary>Sends on-call messages: a Slack-compatible JSON body to a webhook, a plain-text email. Failures are returned, not thrown.</summary>
public interface IOnCallMessenger
{
    Task<DeliveryResult> PostWebhookAsync(string url, SlackMessage message, CancellationToken ct);
    Task<DeliveryResult> SendEmailAsync(IReadOnlyList<string> to, string subject, string body, CancellationToken ct);
}

/// <summary>The body Slack's incoming webhooks (and the many tools that copy them) accept: text, plus optional blocks.</summary>
public sealed record SlackMessage(string Text, IReadOnlyList<object>? Blocks = null);

/// <summary>
/// Webhooks go through the egress policy's HttpClient (allowlist, no redirects, no private addresses);
/// logs and results name the URL by scheme and host only. Email goes over SMTP with MailKit.
/// </summary>
public sealed class OnCallMessenger(IHttpClientFactory http, OnCallOptions options, ILogger<OnCallMessenger> log) : IOnCallMessenger
{
    public const string HttpClientName = "oncall-webhooks";

    public async Task<DeliveryResult> PostWebhookAsync(string url, SlackMessage message, CancellationToken ct)
    {
        var safe = SafeUrl.SchemeAndHost(url);
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.PostAsJsonAsync(url, message, OnCallJson.Options, ct);
            if (response.IsSuccessStatusCode) return new DeliveryResult(true, $"{(int)response.StatusCode} from {safe}");
            log.LogWarning("On-call webhook to {Receiver} answered {Status}", safe, (int)response.StatusCode);
            return new DeliveryResult(false, $"{(int)response.StatusCode} from {safe}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            var why = SafeUrl.Scrub(EgressPolicy.Describe(e), url);
            log.LogWarning("On-call webhook to {Receiver} failed: {Reason}", safe, why);
            return new DeliveryResult(false, why);
        }
    }

    public async Task<DeliveryResult> SendEmailAsync(IReadOnlyList<string> to, string subject, string body, CancellationToken ct)
    {
        var smtp = options.Smtp;
        if (!smtp.Enabled) return new DeliveryResult(false, "No mail server is set (OPS_SMTP_HOST).");
        try
        {
            var mail = new MimeMessage();
            mail.From.Add(MailboxAddress.Parse(smtp.From));
            foreach (var address in to) mail.To.Add(MailboxAddress.Parse(address));
            mail.Subject = subject;
            mail.Body = new TextPart("plain") { Text = body };
            using var client = new SmtpClient { Timeout = 10_000 };
            await client.ConnectAsync(smtp.Host!, smtp.Port, SecureSocketOptions.Auto, ct);
            if (!string.IsNullOrEmpty(smtp.User)) await client.AuthenticateAsync(smtp.User, smtp.Password ?? "", ct);
            await client.SendAsync(mail, ct);
            await client.DisconnectAsync(true, ct);
            return new DeliveryResult(true, $"accepted by {smtp.Host}:{smtp.Port}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            log.LogWarning("On-call email via {Host}:{Port} failed: {Reason}", smtp.Host, smtp.Port, e.Message);
            return new DeliveryResult(false, e.Message);
        }
    }
}
