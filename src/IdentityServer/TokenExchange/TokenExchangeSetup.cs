using Microsoft.Extensions.Options;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.TokenExchange;

public static class TokenExchangeSetup
{
    /// <summary>
    /// RFC 8693 token exchange for delegation: a resource server trades the user's access token it was sent for one to
    /// an API it calls on the user's behalf. OpenIddict validates the subject and actor tokens (signature, lifetime,
    /// type, token entry) and answers issued_token_type; everything else is <see cref="TokenExchangeGrant"/>'s.
    /// </summary>
    public static IHostApplicationBuilder AddTokenExchange(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<TokenExchangeGrant>();
        builder.Services.AddSingleton<RequireTokenExchangeGrant>();
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.AllowTokenExchangeFlow();
            // Who may name which audience is one list per client (token_exchange_audiences), checked by the grant, in
            // place of OpenIddict's per-client audience permissions (as resource permissions are, ResourceIndicators).
            options.IgnoreAudiencePermissions();
            options.AddEventHandler(ExchangeByResourceServer.Descriptor)
                .AddEventHandler(DPoPBoundSubjects.Descriptor);
        });

        builder.Services.AddOptions<OpenIddictServerOptions>().Configure<IOptions<SeedOptions>>((server, seed) =>
        {
            // Only access tokens are exchanged, and only for an access token: an ID token is the client's, a refresh
            // token never leaves the client it was issued to (RFC 8693 3 lists more types; we accept none of them).
            foreach (var types in new[] { server.SubjectTokenTypes, server.ActorTokenTypes, server.RequestedTokenTypes })
            {
                types.Clear();
                types.Add(TokenTypeIdentifiers.AccessToken);
            }

            server.DefaultRequestedTokenType = TokenTypeIdentifiers.AccessToken;
            // RFC 8693 2.1: audience is a logical name of the target; ours are the same resource identifiers.
            server.Audiences.UnionWith(seed.Value.ApiScopes.Values.Select(scope => scope.Resource).Where(resource => resource.Length > 0));
        });

        return builder;
    }
}
