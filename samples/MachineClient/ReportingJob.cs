using System.Net.Http.Headers;
using System.Net.Http.Json;
using OpenIddict.Abstractions;
using OpenIddict.Client;

namespace ReportingService;

/// <summary>What the job found: the token it used and the titles of the posts, newest first.</summary>
public sealed record Report(string AccessToken, IReadOnlyList<string> Titles);

/// <summary>A failure with a message fit for the operator (the console prints it as is).</summary>
public sealed class ReportingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Gets an access token with client credentials, then lists the latest posts from BoardApi.</summary>
public sealed class ReportingJob(HttpClient boardApi, OpenIddictClientService openIddict, ReportingSettings settings)
{
    public const int Limit = 100;

    private sealed record PostPage(IReadOnlyList<PostSummary> Items);

    private sealed record PostSummary(string Title);

    public async Task<Report> RunAsync(CancellationToken cancellationToken)
    {
        var accessToken = await GetTokenAsync(cancellationToken);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"posts?limit={Limit}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        HttpResponseMessage response;
        try
        {
            response = await boardApi.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new ReportingException($"BoardApi at {boardApi.BaseAddress} could not be reached: {exception.Message}", exception);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new ReportingException($"BoardApi refused GET /posts with {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
            }

            var page = await response.Content.ReadFromJsonAsync<PostPage>(cancellationToken)
                ?? throw new ReportingException("BoardApi answered GET /posts with an empty body.");
            return new Report(accessToken, page.Items.Select(post => post.Title).ToList());
        }
    }

    private async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await openIddict.AuthenticateWithClientCredentialsAsync(new()
            {
                Scopes = [.. settings.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
                Resources = string.IsNullOrEmpty(settings.Resource) ? null : [settings.Resource],
                CancellationToken = cancellationToken,
            });
            return result.AccessToken;
        }
        catch (OpenIddictExceptions.ProtocolException exception)
        {
            // invalid_client (wrong id or key), invalid_scope, invalid_target, unauthorized_client, or a server it cannot use.
            throw new ReportingException(
                $"The token request to {settings.Issuer} as {settings.ClientId} failed: {exception.Error}: {exception.ErrorDescription}", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new ReportingException($"The issuer {settings.Issuer} could not be reached: {exception.Message}", exception);
        }
    }
}
