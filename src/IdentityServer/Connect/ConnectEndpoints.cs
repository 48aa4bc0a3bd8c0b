namespace RedisJwt.IdentityServer.Connect;

public static class ConnectEndpoints
{
    /// <summary>
    /// The passthrough endpoints OpenIddict hands over after validating the request. Discovery, JWKS, introspection
    /// and revocation are answered by OpenIddict itself; authorize and logout are Razor Pages (they render HTML).
    /// </summary>
    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(OpenIddictSetup.TokenPath, TokenEndpoint.HandleAsync).DisableAntiforgery();
        endpoints.MapMethods(OpenIddictSetup.UserInfoPath, ["GET", "POST"], UserInfoEndpoint.HandleAsync).DisableAntiforgery();
        return endpoints;
    }
}
