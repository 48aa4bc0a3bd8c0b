using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthProfileTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Me_SignedIn_TheUsersProfileWithRoles()
    {
        var user = await server.CreateUserAsync("Str0ng!Password", "editor", "admin");
        var client = server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");

        var me = await AuthApiClient.MeAsync(client, accessToken);

        Assert.Equal(HttpStatusCode.OK, me.Status);
        Assert.Equal(user.Id, me.Get("id"));
        Assert.Equal(user.Email, me.Get("email"));
        Assert.Equal("Test User", me.Get("displayName"));
        Assert.Equal("1991-02-03", me.Get("birthdate"));
        Assert.Equal(["admin", "editor"], me.Json.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
    }

    [Fact]
    public async Task PutMe_NewDisplayName_SavedAndServedAtOnce()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        Assert.Equal("Test User", (await AuthApiClient.MeAsync(client, accessToken)).Get("displayName"));

        var put = await AuthApiClient.SendAsync(client, HttpMethod.Put, "/auth/me", new { displayName = " Renamed " }, accessToken);

        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal("Renamed", put.Get("displayName"));
        Assert.Equal("Renamed", (await AuthApiClient.MeAsync(client, accessToken)).Get("displayName"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    public async Task PutMe_InvalidDisplayName_BadRequestOnDisplayName(string displayName)
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");

        var put = await AuthApiClient.SendAsync(client, HttpMethod.Put, "/auth/me", new { displayName }, accessToken);

        Assert.Equal(HttpStatusCode.BadRequest, put.Status);
        Assert.Equal(["displayName"], AuthApiClient.FieldsInError(put));
    }

    [Fact]
    public async Task Me_CachedThenChangedOnAnotherInstance_NeitherInstanceServesTheOldProfile()
    {
        // Two instances on one database and Redis: each caches the profile in memory and in Redis.
        await using var other = IdentityServerFactory.Create(server.DatabaseName, server.RedisPrefix);
        other.DropDatabaseOnDispose = false;
        var user = await server.CreateUserAsync();
        var (accessToken, _) = await AuthApiClient.SignInAsync(server.CreateApiClient(), user.Email!, "Str0ng!Password");
        Assert.Empty((await AuthApiClient.MeAsync(server.CreateApiClient(), accessToken)).Json.GetProperty("roles").EnumerateArray());
        Assert.Empty((await AuthApiClient.MeAsync(other.CreateApiClient(), accessToken)).Json.GetProperty("roles").EnumerateArray());
        Assert.True(await CachedInRedisAsync(user.Id));

        // An admin grants a role through the other instance (any change through Identity counts).
        await using (var scope = other.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            await roles.CreateAsync(new IdentityRole("moderator"));
            Assert.True((await users.AddToRoleAsync((await users.FindByIdAsync(user.Id))!, "moderator")).Succeeded);
        }

        foreach (var instance in new[] { server, other })
        {
            var me = await AuthApiClient.MeAsync(instance.CreateApiClient(), accessToken);
            Assert.Equal(["moderator"], me.Json.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        }
    }

    private async Task<bool> CachedInRedisAsync(string userId)
    {
        var redis = server.AdminRedis;
        var pattern = $"{server.RedisPrefix}identity:cache:profile:{userId}:*";
        return await redis.GetServers()[0].KeysAsync(pattern: pattern).AnyAsync();
    }
}
