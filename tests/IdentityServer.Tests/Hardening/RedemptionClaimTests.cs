using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 7 (issue 17), the race behind it: a code or refresh token is claimed in Redis by the first request
/// presenting it. A request that finds it claimed waits for that one's answer: issued, it is a replay (the family is
/// revoked); failed (an interceptor without the PKCE verifier, say), it is the first use after all and redeems.
/// </summary>
public sealed class RedemptionClaimTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Code_ClaimedByARequestThatThenFails_TheRightfulRedemptionStillSucceeds()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));
        var claim = await ClaimOfAsync(code);
        var redis = server.AdminRedis.GetDatabase();

        // Another request holds the claim, mid-redemption, when the rightful one arrives...
        Assert.True(await redis.StringSetAsync(claim, "pending", TimeSpan.FromSeconds(30)));
        var redemption = OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);
        await Task.Delay(200);
        Assert.False(redemption.IsCompleted, "it waits for the first request's answer");
        // ...and fails without redeeming (it gives the claim back).
        await redis.KeyDeleteAsync(claim);

        var tokens = await redemption;
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body);
        Assert.False(await server.FamilyRevokedInRedisAsync(tokens.Get("access_token")));
        Assert.Equal("done", (await redis.StringGetAsync(claim)).ToString());
    }

    [Fact]
    public async Task Code_WithTheWrongVerifierFirst_TheRightOneAfterStillSucceeds()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));

        var intercepted = await OAuth.RedeemCodeAsync(server.CreateApiClient(), SpaClientId, SpaRedirectUri, code, Pkce.Create().Verifier);
        var rightful = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);

        Assert.Equal("invalid_grant", intercepted.Error);
        Assert.Equal(HttpStatusCode.OK, rightful.Status);
    }

    // The code's entry: the newest authorization code (tests of a class run one at a time).
    private async Task<StackExchange.Redis.RedisKey> ClaimOfAsync(string code) =>
        await server.WithScopeAsync(async services =>
        {
            var id = await services.GetRequiredService<Data.ApplicationDbContext>().Set<OpenIddictEntityFrameworkCoreToken>()
                .Where(entry => entry.Type == OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers.Private.AuthorizationCode).OrderByDescending(entry => entry.CreationDate)
                .Select(entry => entry.Id).FirstAsync();
            return services.GetRequiredService<RedisKeys>().AuthorizationCodeUse(id!);
        });
}
