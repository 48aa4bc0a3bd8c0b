using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

public sealed record SignedInUser(string Id, string DisplayName, SignedInSpa Session)
{
    public string AccessToken => Session.AccessToken;
}

/// <summary>Real tokens, from the real IdentityServer's token endpoint.</summary>
public static class Tokens
{
    public const string UserScopes = "openid profile roles offline_access posts.read posts.write";

    public static async Task<string> ClientCredentialsAsync(IdentityServerFactory identity, string scope)
    {
        var response = await OAuth.PostAsync(identity.CreateApiClient(), "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
        }, (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return response.Get("access_token");
    }

    public static async Task<SignedInUser> SignInNewUserAsync(IdentityServerFactory identity, string scopes, params string[] roles)
    {
        const string password = "Str0ng!Password";
        var user = await identity.CreateUserAsync(password, roles);
        var session = await SignedInSpa.StartAsync(identity, scopes, user.Email!, password);
        return new SignedInUser(user.Id, user.DisplayName, session);
    }
}
