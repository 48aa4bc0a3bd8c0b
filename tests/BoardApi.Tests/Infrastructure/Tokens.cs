using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

public sealed record SignedInUser(string Id, string Email, string DisplayName, SignedInSpa Session)
{
    public const string Password = "Str0ng!Password";

    public string AccessToken => Session.AccessToken;
}

/// <summary>Real tokens, from the real IdentityServer's token endpoint.</summary>
public static class Tokens
{
    public const string UserScopes = "openid profile roles offline_access posts.read posts.write";

    public static Task<string> ClientCredentialsAsync(IdentityServerFactory identity, string scope) =>
        OAuth.ClientCredentialsAsync(identity.CreateApiClient(), scope);

    public static async Task<SignedInUser> SignInNewUserAsync(IdentityServerFactory identity, string scopes, params string[] roles)
    {
        var user = await identity.CreateUserAsync(SignedInUser.Password, roles);
        var session = await SignedInSpa.StartAsync(identity, scopes, user.Email!, SignedInUser.Password);
        return new SignedInUser(user.Id, user.Email!, user.DisplayName, session);
    }

    /// <summary>The same user signing in again elsewhere: a second session.</summary>
    public static async Task<SignedInUser> SignInAgainAsync(IdentityServerFactory identity, SignedInUser user)
    {
        var session = await SignedInSpa.StartAsync(identity, UserScopes, user.Email, SignedInUser.Password);
        return user with { Session = session };
    }
}
