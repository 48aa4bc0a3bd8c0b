using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Tests;

public sealed class SeedingTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Seed_RunTwiceConcurrently_NothingDuplicatedOrLost()
    {
        var before = await CountsAsync();
        var user = await server.CreateUserAsync();

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => server.WithScopeAsync(async services =>
        {
            await services.GetRequiredService<ClientSeeder>().SeedAsync();
            return true;
        })));

        Assert.Equal((before.Applications, before.Scopes, before.Users + 1), await CountsAsync());
        Assert.NotNull(await server.WithScopeAsync(services =>
            services.GetRequiredService<ApplicationDbContext>().Users.SingleOrDefaultAsync(u => u.Id == user.Id)));
    }

    [Fact]
    public async Task Seed_ClientSecrets_StoredHashedAndVerifiable()
    {
        var (stored, valid, wrong) = await server.WithScopeAsync(async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var app = await applications.FindByClientIdAsync(IdentityServerFactory.ThirdPartyClientId);
            var row = await services.GetRequiredService<ApplicationDbContext>()
                .Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>()
                .SingleAsync(a => a.ClientId == IdentityServerFactory.ThirdPartyClientId);
            return (row.ClientSecret, await applications.ValidateClientSecretAsync(app!, IdentityServerFactory.ThirdPartySecret),
                await applications.ValidateClientSecretAsync(app!, "wrong"));
        });

        Assert.DoesNotContain(IdentityServerFactory.ThirdPartySecret, stored);
        Assert.True(valid);
        Assert.False(wrong);
    }

    [Fact]
    public async Task Seed_SpaClient_PublicWithExactRedirectUrisAndPkceRequired()
    {
        var (type, redirects, requirements, permissions) = await server.WithScopeAsync(async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var app = (await applications.FindByClientIdAsync(IdentityServerFactory.SpaClientId))!;
            return (await applications.GetClientTypeAsync(app), await applications.GetRedirectUrisAsync(app),
                await applications.GetRequirementsAsync(app), await applications.GetPermissionsAsync(app));
        });

        Assert.Equal(ClientTypes.Public, type);
        Assert.Equal(IdentityServerFactory.SpaRedirectUri, Assert.Single(redirects));
        Assert.Contains(Requirements.Features.ProofKeyForCodeExchange, requirements);
        Assert.DoesNotContain(Permissions.GrantTypes.ClientCredentials, permissions);
    }

    private Task<(int Applications, int Scopes, int Users)> CountsAsync() => server.WithScopeAsync(async services =>
    {
        var db = services.GetRequiredService<ApplicationDbContext>();
        return (await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().CountAsync(),
            await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreScope>().CountAsync(),
            await db.Users.CountAsync());
    });
}
