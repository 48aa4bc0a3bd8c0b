using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.Testing;

/// <summary>
/// The IdentityServer's settings for RFC 8693 delegation: a downstream API (notifications) and the clients of it.
/// BoardApi may exchange the tokens sent to it for notifications tokens; the notifications API may exchange its own
/// onwards; a partner web app (a code client) holds users' tokens for BoardApi but is itself the notifications API.
/// </summary>
public static class TokenExchangeSeed
{
    public const string TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    public const string NotificationsResource = "http://127.0.0.1:5007/";
    public const string NotificationsClientId = "notifications-api";
    public const string NotificationsSecret = "test-notifications-secret";
    public const string PartnerClientId = "partner-web";
    public const string PartnerSecret = "test-partner-secret";
    public const string PartnerRedirectUri = "http://127.0.0.1:5006/callback";

    /// <summary>The SPA's scopes: BoardApi's read scope and one notifications scope, so its token is for both APIs.</summary>
    public const string UserScopes = "openid posts.read notifications.read";

    public static readonly (string, string) BoardApi = (BoardApiClientId, BoardApiSecret);
    public static readonly (string, string) Notifications = (NotificationsClientId, NotificationsSecret);
    public static readonly (string, string) Partner = (PartnerClientId, PartnerSecret);

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Seed:ApiScopes:notifications.read:Resource"] = NotificationsResource,
        ["Seed:ApiScopes:notifications.send:Resource"] = NotificationsResource,
        ["Seed:Clients:board-spa:Scopes:8"] = "notifications.read",
        ["Seed:Clients:board-spa:Scopes:9"] = "notifications.send",
        // As in run.sh: the first-party app's tokens (/auth/login) are for every API it may use, notifications too.
        ["Seed:Clients:board-app:Scopes:8"] = "notifications.read",
        ["Seed:Clients:board-api:GrantTypes:0"] = TokenExchangeGrant,
        ["Seed:Clients:board-api:GrantTypes:1"] = "client_credentials",
        ["Seed:Clients:board-api:Scopes:0"] = "notifications.read",
        ["Seed:Clients:board-api:Scopes:1"] = "notifications.send",
        ["Seed:Clients:board-api:TokenExchangeAudiences:0"] = NotificationsResource,
        [$"Seed:Clients:{NotificationsClientId}:Type"] = "confidential",
        [$"Seed:Clients:{NotificationsClientId}:Secret"] = NotificationsSecret,
        [$"Seed:Clients:{NotificationsClientId}:Introspection"] = "true",
        [$"Seed:Clients:{NotificationsClientId}:Resource"] = NotificationsResource,
        [$"Seed:Clients:{NotificationsClientId}:GrantTypes:0"] = TokenExchangeGrant,
        [$"Seed:Clients:{NotificationsClientId}:Scopes:0"] = "notifications.read",
        [$"Seed:Clients:{NotificationsClientId}:TokenExchangeAudiences:0"] = NotificationsResource,
        [$"Seed:Clients:{PartnerClientId}:Type"] = "confidential",
        [$"Seed:Clients:{PartnerClientId}:Secret"] = PartnerSecret,
        [$"Seed:Clients:{PartnerClientId}:ConsentType"] = "implicit",
        [$"Seed:Clients:{PartnerClientId}:GrantTypes:0"] = "authorization_code",
        [$"Seed:Clients:{PartnerClientId}:GrantTypes:1"] = TokenExchangeGrant,
        [$"Seed:Clients:{PartnerClientId}:RedirectUris:0"] = PartnerRedirectUri,
        [$"Seed:Clients:{PartnerClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{PartnerClientId}:Scopes:1"] = "posts.read",
        [$"Seed:Clients:{PartnerClientId}:Resource"] = NotificationsResource,
        [$"Seed:Clients:{PartnerClientId}:TokenExchangeAudiences:0"] = BoardApiResource,
    };
}
