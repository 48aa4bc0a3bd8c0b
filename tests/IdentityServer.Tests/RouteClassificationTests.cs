using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Shared;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Every route is answered in the way its callers read errors: problem details for the JSON APIs
/// (<see cref="PagesSetup.IsApi"/>), RFC 6749 5.2 errors at the OAuth endpoints (<see cref="OAuthEndpointOptions"/>),
/// HTML for pages. A new route outside the known prefixes, or a new OpenIddict endpoint, fails here until classified.
/// </summary>
public sealed class RouteClassificationTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private IReadOnlyList<PathString> OAuthPaths => server.Services.GetRequiredService<IOptions<OAuthEndpointOptions>>().Value.Paths;

    [Fact]
    public void MappedRoutes_EveryOneNotAPage_IsAnApiAnOAuthEndpointOrHealth()
    {
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<PageActionDescriptor>() is null)
            .Select(endpoint => new PathString("/" + endpoint.RoutePattern.RawText!.TrimStart('/')))
            .ToList();

        Assert.Contains(routes, PagesSetup.IsApi);
        Assert.DoesNotContain(routes, route => !PagesSetup.IsApi(route) && !OAuthPaths.Contains(route)
            && !route.StartsWithSegments("/health")
            // RFC 7592's client configuration endpoints (/connect/register/{clientId}) answer RFC 7591 errors themselves.
            && !route.StartsWithSegments("/connect/register"));
    }

    [Fact]
    public void OpenIddictEndpoints_EveryOne_AnswersOAuthErrorsOrIsANavigationOrMetadata()
    {
        var options = server.Services.GetRequiredService<IOptions<OpenIddictServerOptions>>().Value;
        // Browsers navigate to these; their errors are redirected or shown (RFC 6749 4.1.2.1).
        var navigations = options.AuthorizationEndpointUris.Concat(options.EndSessionEndpointUris)
            .Concat(options.EndUserVerificationEndpointUris).ToList();
        var endpoints = typeof(OpenIddictServerOptions).GetProperties()
            .Where(property => property.Name.EndsWith("EndpointUris", StringComparison.Ordinal))
            .SelectMany(property => (IEnumerable<Uri>)property.GetValue(options)!)
            .ToList();

        Assert.Equal(["/connect/token", "/connect/introspect", "/connect/revoke", "/connect/userinfo", "/connect/par",
            "/connect/device", "/connect/register"],
            OAuthPaths.Select(path => path.Value));
        Assert.DoesNotContain(endpoints, uri => !navigations.Contains(uri)
            && !OAuthPaths.Contains(new PathString("/" + uri.OriginalString.TrimStart('/')))
            && !uri.OriginalString.TrimStart('/').StartsWith(".well-known/", StringComparison.Ordinal));
    }
}
