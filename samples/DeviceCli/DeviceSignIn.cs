using System.Net.Http.Headers;
using System.Net.Http.Json;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DeviceCli;

/// <summary>A failure with a message fit for the user (the console prints it as is).</summary>
public sealed class DeviceCliException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The device authorization grant through OpenIddict's client: it asks for the codes, then polls the token endpoint at
/// the interval the server gave, 5 seconds slower after each slow_down (RFC 8628 3.5), until the user approves, denies
/// or the code expires; then the user's own posts from BoardApi.
/// </summary>
public sealed class DeviceSignIn(HttpClient boardApi, OpenIddictClientService openIddict, DeviceCliSettings settings)
{
    private sealed record PostPage(IReadOnlyList<PostSummary> Items);

    private sealed record PostSummary(string Title);

    /// <param name="show">Told what the user must open and type (RFC 8628 3.3).</param>
    /// <returns>The signed-in user's name and the titles of their posts, newest first.</returns>
    public async Task<(string User, IReadOnlyList<string> Titles)> RunAsync(Action<DeviceChallenge> show, CancellationToken cancellationToken)
    {
        try
        {
            var challenge = await openIddict.ChallengeUsingDeviceAsync(new()
            {
                Scopes = [.. settings.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
                CancellationToken = cancellationToken,
            });
            show(new DeviceChallenge(challenge.VerificationUri, challenge.VerificationUriComplete, challenge.UserCode, challenge.ExpiresIn));

            var result = await openIddict.AuthenticateWithDeviceAsync(new()
            {
                DeviceCode = challenge.DeviceCode,
                Interval = challenge.Interval,
                Timeout = challenge.ExpiresIn,
                CancellationToken = cancellationToken,
            });
            var subject = result.Principal.GetClaim(Claims.Subject)
                ?? throw new DeviceCliException("The token response named no user.");
            return (result.Principal.GetClaim(Claims.Name) ?? subject, await PostsOfAsync(subject, result.AccessToken, cancellationToken));
        }
        catch (OpenIddictExceptions.ProtocolException exception)
        {
            // access_denied (the user said no), expired_token (nobody approved in time), unauthorized_client, invalid_scope.
            throw new DeviceCliException($"Signing in at {settings.Issuer} failed: {exception.Error}: {exception.ErrorDescription}", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new DeviceCliException($"The issuer {settings.Issuer} could not be reached: {exception.Message}", exception);
        }
    }

    private async Task<IReadOnlyList<string>> PostsOfAsync(string author, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"posts?author={Uri.EscapeDataString(author)}&limit=100");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await boardApi.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeviceCliException($"BoardApi refused GET /posts with {(int)response.StatusCode} {response.ReasonPhrase}: "
                + await response.Content.ReadAsStringAsync(cancellationToken));
        }

        var page = await response.Content.ReadFromJsonAsync<PostPage>(cancellationToken)
            ?? throw new DeviceCliException("BoardApi answered GET /posts with an empty body.");
        return [.. page.Items.Select(post => post.Title)];
    }
}

/// <summary>What the user is asked to do: open <paramref name="VerificationUri"/> and type <paramref name="UserCode"/>.</summary>
public sealed record DeviceChallenge(Uri VerificationUri, Uri? VerificationUriComplete, string UserCode, TimeSpan ExpiresIn);
