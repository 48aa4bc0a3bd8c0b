using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>The properties OpenIddict reads to answer with a standard OAuth error (RFC 6749 4.1.2.1, 5.2).</summary>
public static class OAuthErrors
{
    public static AuthenticationProperties Properties(string error, string description) =>
        new(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        });

    public static IResult Forbid(string error, string description) =>
        TypedResults.Forbid(Properties(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
