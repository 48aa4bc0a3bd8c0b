using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// In PostgreSQL a revoked authorization or token stays revoked, whoever writes the row afterwards: a request that
/// read it before the revocation (a refresh racing RFC 7009) and saves its old copy cannot bring the family back.
/// </summary>
public sealed class RevocationIsFinalTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task RevokedRows_WrittenBackAsValid_StayRevoked()
    {
        var spa = await SignedInSpa.StartAsync(server);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(server.CreateApiClient(), spa.RefreshToken)).Status);

        var (authorization, tokens) = await server.WithScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ApplicationDbContext>();
            var revoked = await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().SingleAsync(row => row.Status == "revoked");
            // What a stale copy being saved amounts to: the old status written over the revocation.
            await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().Where(row => row.Id == revoked.Id)
                .ExecuteUpdateAsync(update => update.SetProperty(row => row.Status, "valid"));
            await db.Set<OpenIddictEntityFrameworkCoreToken>().Where(row => row.Authorization!.Id == revoked.Id)
                .ExecuteUpdateAsync(update => update.SetProperty(row => row.Status, "valid"));
            return (await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().AsNoTracking().SingleAsync(row => row.Id == revoked.Id),
                await db.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking().Where(row => row.Authorization!.Id == revoked.Id).ToListAsync());
        });

        Assert.Equal("revoked", authorization.Status);
        Assert.NotEmpty(tokens);
        Assert.All(tokens, token => Assert.Equal("revoked", token.Status));
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(server.CreateApiClient(), IdentityServerFactory.SpaClientId, spa.RefreshToken)).Error);
    }
}
