using System.Security.Claims;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Connect;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class ClaimDestinationsTests
{
    private static string[] DestinationsOf(string type, params string[] scopes)
    {
        var identity = new ClaimsIdentity();
        identity.SetScopes(scopes);
        identity.AddClaim(new Claim(type, "value"));
        // AddClaim binds a copy to the identity; the destinations read the scopes through that binding.
        return [.. ClaimDestinations.For(identity.FindFirst(type)!)];
    }

    [Theory]
    [InlineData(Claims.Email)]
    [InlineData(Claims.Birthdate)]
    [InlineData(Claims.EmailVerified)]
    public void PersonalData_NeverInAccessToken(string type) =>
        Assert.DoesNotContain(Destinations.AccessToken, DestinationsOf(type, Scopes.Profile, Scopes.Email, Scopes.Roles));

    [Theory]
    [InlineData(Claims.Name, Scopes.Profile)]
    [InlineData(Claims.Birthdate, Scopes.Profile)]
    [InlineData(Claims.Email, Scopes.Email)]
    [InlineData(Claims.Role, Scopes.Roles)]
    public void ScopedClaim_OnlyWithItsScope(string type, string scope)
    {
        Assert.Empty(DestinationsOf(type, Scopes.OpenId));
        Assert.Contains(Destinations.IdentityToken, DestinationsOf(type, Scopes.OpenId, scope));
    }

    [Fact]
    public void SessionId_InBothTokensAlways() =>
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], DestinationsOf("sid", Scopes.OpenId));

    [Fact]
    public void AuthTime_InIdTokenOnlyWhenTheGrantAskedForIt()
    {
        Assert.Equal([Destinations.AccessToken], DestinationsOf(Claims.AuthenticationTime, Scopes.OpenId));

        var identity = new ClaimsIdentity();
        identity.AddClaim(new Claim(RedisJwt.IdentityServer.Sessions.SessionClaims.AuthTimeInIdToken, "true"));
        identity.AddClaim(new Claim(Claims.AuthenticationTime, "1700000000"));
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(identity.FindFirst(Claims.AuthenticationTime)!));
        Assert.Empty(ClaimDestinations.For(identity.FindFirst(RedisJwt.IdentityServer.Sessions.SessionClaims.AuthTimeInIdToken)!));
    }

    [Fact]
    public void UnknownClaim_GoesNowhere() =>
        Assert.Empty(DestinationsOf("AspNet.Identity.SecurityStamp", Scopes.OpenId, Scopes.Profile));
}
