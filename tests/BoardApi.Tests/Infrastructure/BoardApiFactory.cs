using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.BoardApi.Data;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

/// <summary>
/// The real BoardApi on the test host, knowing the IdentityServer only by its issuer URL. Each instance has its own
/// database unless given one: two factories on one database and Redis prefix are two instances of one deployment.
/// </summary>
/// <param name="environment">Development migrates at start; elsewhere the database stays empty.</param>
public sealed class BoardApiFactory(Uri issuer, string? databaseName = null, string? redisPrefix = null,
    IDictionary<string, string?>? overrides = null, string environment = "Development")
    : ServiceFactory<BoardApiMarker>(Service.BoardApi, databaseName ?? $"board_test_{Guid.NewGuid():N}",
        redisPrefix ?? IdentityServerFactory.NewRedisPrefix(), ServiceSettings(issuer), overrides, environment)
{
    private static Dictionary<string, string?> ServiceSettings(Uri issuer) => new()
    {
        ["Auth:Issuer"] = issuer.AbsoluteUri,
        ["Auth:AllowInsecureHttp"] = "true",
        ["Auth:Audience"] = IdentityServerFactory.BoardApiResource,
        // Tests rotate keys within seconds; production waits 30 s between forced metadata refreshes.
        ["Auth:MetadataRefreshInterval"] = "00:00:01",
        ["Cors:AllowedOrigins:0"] = IdentityServerFactory.SpaOrigin,
        // Out of the way of tests about something else; rate-limit tests set small ones.
        ["RateLimits:Policies:board-writes:PermitLimit"] = "100000",
        ["RateLimits:Policies:board-reads:PermitLimit"] = "100000",
    };

    /// <summary>A client sending <paramref name="accessToken"/> as its bearer token (none when null).</summary>
    public HttpClient CreateClient(string? accessToken)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    /// <summary>What is really stored, read past the API and its cache.</summary>
    public async Task<int> CountPostsAsync(string authorId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BoardDbContext>().Posts.CountAsync(post => post.AuthorId == authorId);
    }
}
