using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>
/// POSTs each message as JSON to Messages:Webhook:Url: {id, kind, channel, recipient, subject, text}, with
/// "Idempotency-Key: {id}" so that a gateway can drop the resend of a message whose acknowledgement was lost.
/// Any 2xx answer is acceptance.
/// </summary>
public sealed class WebhookProvider(IHttpClientFactory httpClients, IOptions<WebhookSettings> settings,
    ILogger<WebhookProvider> logger) : IMessageProvider
{
    /// <summary>The named HttpClient; its timeout is Messages:Webhook:Timeout.</summary>
    public const string HttpClientName = "messages-webhook";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Body(string Id, string Kind, string Channel, string Recipient, string Subject, string Text);

    public async Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken)
    {
        var webhook = settings.Value;
        var url = new Uri(webhook.Url!);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(
                new Body(message.Id, message.Kind, message.Channel, message.Recipient, message.Subject, message.Text),
                options: Json),
        };
        request.Headers.Add("Idempotency-Key", message.Id);
        if (!string.IsNullOrEmpty(webhook.Token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", webhook.Token);
        }

        // Errors name the host only: a webhook URL often carries its own secret in the path or the query.
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MessageNotAcceptedException(
                $"The webhook at {url.Host} did not answer within {webhook.Timeout.TotalSeconds:0.###} s.", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new MessageNotAcceptedException(
                $"The webhook at {url.Host} could not be reached ({exception.HttpRequestError}).", exception);
        }

        using (response)
        {
            // The answer's body is never read: a gateway may echo the message, code and all, in its error.
            if (!response.IsSuccessStatusCode)
            {
                throw new MessageNotAcceptedException(
                    $"The webhook at {url.Host} answered {(int)response.StatusCode} ({response.StatusCode}).",
                    permanent: IsRefusal(response.StatusCode));
            }
        }

        logger.LogDebug("Message {MessageId} ({Kind}, {Topic}, {Channel}) for {Recipient} accepted by the webhook at {Host}",
            message.Id, message.Kind, message.Topic, message.Channel, Recipients.Mask(message.Recipient), url.Host);
    }

    /// <summary>
    /// A 4xx says the request itself is wrong (a bad number, a refused body), so the same request will be refused
    /// again; except 408, 425 and 429, which ask to come back later. 5xx and network failures are retried.
    /// </summary>
    internal static bool IsRefusal(HttpStatusCode status) =>
        (int)status is >= 400 and < 500
        && status is not (HttpStatusCode.RequestTimeout or (HttpStatusCode)425 or HttpStatusCode.TooManyRequests);
}
