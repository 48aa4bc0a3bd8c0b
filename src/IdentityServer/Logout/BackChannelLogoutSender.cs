using System.Net;
using System.Text.Json;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.IdentityServer.Shared;

namespace RedisJwt.IdentityServer.Logout;

/// <summary>
/// Delivers one queued back-channel logout (OIDC Back-Channel Logout 1.0 section 2.5): a logout token signed now (a
/// retry minutes later still arrives within its short lifetime, with the same jti), POSTed form-encoded to the URI the
/// client has registered now. 2xx is delivered; 4xx (but 408 and 429) is the client refusing that token, which sending
/// it again cannot change, so it is dead-lettered at once; anything else (5xx, a timeout, no connection) is retried.
/// </summary>
public sealed class BackChannelLogoutSender(IServiceScopeFactory scopes, LogoutTokens tokens, IHttpClientFactory clients,
    ILogger<BackChannelLogoutSender> logger) : IMessageProvider
{
    public const string HttpClientName = "backchannel-logout";

    // Enough of a client's error_description to say why it refused, not enough to fill the dead letters.
    private const int MaxReasonLength = 200;
    private const int MaxErrorBodyBytes = 4096;

    public async Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken)
    {
        LogoutNotice notice;
        try
        {
            notice = JsonSerializer.Deserialize<LogoutNotice>(message.Text) ?? throw new JsonException("empty");
        }
        catch (JsonException exception)
        {
            throw new MessageNotAcceptedException("the notification cannot be read", exception, permanent: true);
        }

        if (await LogoutUriAsync(message.Recipient, cancellationToken) is not { } uri)
        {
            // Removed, or its back-channel URI withdrawn, since the logout: nobody left to tell.
            logger.LogInformation("Back-channel logout {NotificationId} dropped: client {ClientId} no longer registers a back-channel logout URI.",
                message.Id, message.Recipient);
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new FormUrlEncodedContent([new("logout_token", tokens.Create(message.Recipient, notice.Subject, notice.SessionId, message.Id))]),
        };

        HttpResponseMessage response;
        try
        {
            // Headers only: the body is read below, a bounded part of it, only on a refusal.
            response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException exception) when (exception.InnerException is AddressNotAllowedException refused)
        {
            // Not a failure that time mends: dead-lettered at once, with the reason.
            throw new MessageNotAcceptedException(refused.Message, permanent: true);
        }
        catch (HttpRequestException exception)
        {
            throw new MessageNotAcceptedException($"{uri.GetLeftPart(UriPartial.Authority)} could not be reached ({exception.HttpRequestError})", exception);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var status = (int)response.StatusCode;
            var permanent = status is >= 300 and < 500 and not ((int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests);
            throw new MessageNotAcceptedException($"the client answered {status}{await ErrorOfAsync(response, cancellationToken)}", permanent: permanent);
        }
    }

    private async Task<Uri?> LogoutUriAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await ClientProperties.UriAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), clientId,
            ClientProperties.BackChannelLogoutUri, cancellationToken);
    }

    // Section 2.8: a refusal is a 400 with an OAuth-style error; its code and description say what the client disliked.
    // At most the first few kilobytes are read: a client's answer must not fill this server's memory.
    private static async Task<string> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[MaxErrorBodyBytes];
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            using var body = JsonDocument.Parse(buffer.AsMemory(0, length));
            var error = string.Join(": ", new[] { "error", "error_description" }
                .Select(name => body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty(name, out var value)
                    && value.ValueKind == JsonValueKind.String ? value.GetString() : null)
                .OfType<string>());
            var printable = new string([.. error.Where(character => !char.IsControl(character))]);
            return printable.Length == 0 ? "" : $" ({(printable.Length > MaxReasonLength ? printable[..MaxReasonLength] + "…" : printable)})";
        }
        catch (Exception exception) when (exception is JsonException or IOException or HttpRequestException)
        {
            return "";
        }
    }
}
