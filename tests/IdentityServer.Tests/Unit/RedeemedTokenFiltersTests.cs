using System.Security.Claims;
using Microsoft.Extensions.Logging.Abstractions;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.TokenRevocation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>
/// The filters that keep the reuse handlers (and the Revoker, UserManager and DbContext they need) from being built
/// for every validated token (issue 22: each introspection of an access token built them). Each must let its handler
/// run in every case where the handler would act; the handlers' own behaviour is pinned by RefreshTokenTests,
/// RefreshRaceTests and AuthorizationCodeTests.
/// </summary>
public sealed class RedeemedTokenFiltersTests
{
    private const string AccessToken = TokenTypeIdentifiers.AccessToken;
    private const string RefreshToken = TokenTypeIdentifiers.RefreshToken;
    private const string Code = TokenTypeIdentifiers.Private.AuthorizationCode;

    private static ValidateTokenContext Context(OpenIddictServerEndpointType endpoint, string? tokenType, string? tokenId = "token-id")
    {
        var transaction = new OpenIddictServerTransaction
        {
            EndpointType = endpoint,
            Options = new OpenIddictServerOptions(),
            Logger = NullLogger.Instance,
            Request = new OpenIddictRequest(),
        };
        var context = new ValidateTokenContext(transaction) { TokenId = tokenId };
        if (tokenType is not null)
        {
            var identity = new ClaimsIdentity("test");
            identity.SetTokenType(tokenType);
            context.Principal = new ClaimsPrincipal(identity);
        }

        return context;
    }

    [Theory]
    [InlineData(OpenIddictServerEndpointType.Token, Code, true)]
    [InlineData(OpenIddictServerEndpointType.Token, RefreshToken, true)]
    [InlineData(OpenIddictServerEndpointType.Token, AccessToken, false)]
    [InlineData(OpenIddictServerEndpointType.Token, null, false)]
    [InlineData(OpenIddictServerEndpointType.Introspection, RefreshToken, false)]
    [InlineData(OpenIddictServerEndpointType.Introspection, AccessToken, false)]
    [InlineData(OpenIddictServerEndpointType.Revocation, RefreshToken, false)]
    [InlineData(OpenIddictServerEndpointType.UserInfo, AccessToken, false)]
    public async Task RequireRedeemedGrant_ActiveOnlyForCodeOrRefreshTokenAtTokenEndpoint(
        OpenIddictServerEndpointType endpoint, string? tokenType, bool active) =>
        Assert.Equal(active, await new RequireRedeemedGrant().IsActiveAsync(Context(endpoint, tokenType)));

    [Theory]
    [InlineData(OpenIddictServerEndpointType.Introspection, RefreshToken, true)]
    [InlineData(OpenIddictServerEndpointType.Revocation, RefreshToken, true)]
    [InlineData(OpenIddictServerEndpointType.Introspection, AccessToken, false)]
    [InlineData(OpenIddictServerEndpointType.Revocation, AccessToken, false)]
    [InlineData(OpenIddictServerEndpointType.Introspection, null, false)]
    [InlineData(OpenIddictServerEndpointType.Token, RefreshToken, false)]
    public async Task RequireRefreshTokenPresented_ActiveOnlyForRefreshTokenAtRevocationOrIntrospection(
        OpenIddictServerEndpointType endpoint, string? tokenType, bool active) =>
        Assert.Equal(active, await new RequireRefreshTokenPresented().IsActiveAsync(Context(endpoint, tokenType)));

    [Fact]
    public async Task Filters_TokenWithoutId_Inactive()
    {
        Assert.False(await new RequireRedeemedGrant().IsActiveAsync(Context(OpenIddictServerEndpointType.Token, RefreshToken, tokenId: null)));
        Assert.False(await new RequireRefreshTokenPresented().IsActiveAsync(Context(OpenIddictServerEndpointType.Revocation, RefreshToken, tokenId: "")));
    }

    [Fact]
    public void Descriptors_CarryTheirFilters()
    {
        Assert.Contains(typeof(RequireRedeemedGrant), DetectRedeemedTokenReuse.Descriptor.FilterTypes);
        Assert.Contains(typeof(RequireRefreshTokenPresented), RevokeFamilyOfRotatedRefreshToken.Descriptor.FilterTypes);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(59, false)]
    [InlineData(61, true)]
    [InlineData(600, true)]
    public void ClaimedTooLate_OnlyWellWithinTheSpentClaimsLifetime(int secondsAfterTheRead, bool tooLate)
    {
        var readAt = DateTimeOffset.UnixEpoch;

        Assert.Equal(tooLate, DetectRedeemedTokenReuse.ClaimedTooLate(readAt, readAt.AddSeconds(secondsAfterTheRead)));
        // What makes it safe: any claim allowed is won before a "done" saved after the read can have lapsed.
        Assert.True(DetectRedeemedTokenReuse.ClaimedTooLate(readAt, readAt + DetectRedeemedTokenReuse.SpentLifetime));
    }
}
