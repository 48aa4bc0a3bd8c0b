using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Operations;

/// <summary>Which paths browser apps on other origins may call, by path rather than endpoint metadata.</summary>
public static class CrossOrigin
{
    /// <summary>
    /// By path, because OpenIddict answers revocation and discovery inside UseAuthentication, where no endpoint is
    /// selected, so endpoint CORS metadata never applies. Place it before UseAuthentication. The authorization and
    /// end-session endpoints are navigations, not fetches; introspection is for resource servers only: no CORS.
    /// </summary>
    public static WebApplication UseCrossOriginPolicies(this WebApplication app)
    {
        app.UseCorsUnder(ServiceCors.ConfiguredOrigins,
            "/" + OpenIddictSetup.TokenPath, "/" + OpenIddictSetup.UserInfoPath, "/" + OpenIddictSetup.RevocationPath,
            // A SPA pushes its authorization requests (RFC 9126) from its own origin.
            "/" + OpenIddictSetup.PushedAuthorizationPath,
            // The JSON API for first-party apps (register, login, refresh, me, password), whatever it maps.
            AuthEndpoints.Prefix);
        // Discovery and JWKS are public metadata that SPA libraries (e.g. oidc-client-ts) fetch from their own origin.
        app.UseCorsUnder(ServiceCors.AnyOrigin, "/.well-known");
        return app;
    }
}
