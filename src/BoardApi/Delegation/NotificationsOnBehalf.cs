using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Client.OpenIddictClientModels;

namespace RedisJwt.BoardApi.Delegation;

/// <summary>
/// GET /me/notifications: the caller's notifications, fetched from the notifications API on the caller's behalf. The
/// caller's token was sent to BoardApi and is no good there (its audience); BoardApi exchanges it (RFC 8693) for a
/// token to that API alone, with the caller's sub and sid, the notifications scope only, and <c>act</c> naming BoardApi.
/// </summary>
public static class NotificationsOnBehalf
{
    public static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> GetAsync(HttpContext context,
        OpenIddictClientService identity, IHttpClientFactory clients, IOptions<DelegationSettings> options)
    {
        var settings = options.Value;
        var subjectToken = await context.GetTokenAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme,
            OpenIddictConstants.Parameters.AccessToken) ?? throw new InvalidOperationException("The caller's access token cannot be retrieved.");

        string delegated;
        try
        {
            delegated = (await identity.AuthenticateWithTokenExchangeAsync(new TokenExchangeAuthenticationRequest
            {
                SubjectToken = subjectToken,
                SubjectTokenType = OpenIddictConstants.TokenTypeIdentifiers.AccessToken,
                Resources = [settings.NotificationsResource],
                Scopes = [settings.Scope],
                CancellationToken = context.RequestAborted,
            })).IssuedToken;
        }
        catch (OpenIddictExceptions.ProtocolException refused)
        {
            // The caller's token does not allow it (no notifications scope granted, revoked, ...): theirs to fix.
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "BoardApi may not act for you at the notifications API.",
                detail: $"{refused.Error}: {refused.ErrorDescription}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(settings.NotificationsApi!, "notifications"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", delegated);
        try
        {
            using var response = await clients.CreateClient(DelegationSetup.NotificationsClient).SendAsync(request, context.RequestAborted);
            return response.IsSuccessStatusCode
                ? TypedResults.Ok(await response.Content.ReadFromJsonAsync<JsonElement>(context.RequestAborted))
                : Unavailable($"The notifications API answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException)
        {
            return Unavailable("The notifications API cannot be reached.");
        }
    }

    private static ProblemHttpResult Unavailable(string title) => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: title);
}
