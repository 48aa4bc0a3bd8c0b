using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Handlers declare their results (issue 18), so an OpenAPI description can list every answer: the problems of the
/// shared JSON-body reader and of an unavailable dependency included, which only their result types know.
/// </summary>
public sealed class ResponseMetadataTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Theory]
    [InlineData("POST", "/admin/clients/", new[] { 201, 400, 413, 415, 503 })]
    [InlineData("PUT", "/admin/clients/{clientId}", new[] { 200, 400, 413, 415, 503 })]
    [InlineData("POST", "/auth/password/reset", new[] { 204, 400, 413, 415, 503 })]
    public void Endpoint_DeclaresEveryStatusItAnswers(string method, string route, int[] statuses)
    {
        var endpoint = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(candidate => candidate.RoutePattern.RawText?.TrimEnd('/') == route.TrimEnd('/')
                && candidate.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method) == true);

        var declared = endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().Select(produces => produces.StatusCode).ToHashSet();

        Assert.All(statuses, status => Assert.Contains(status, declared));
    }
}
