using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthLoginTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Login_ValidCredentials_IssuesTheStandardTokensOfTheFirstPartyClient()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();

        var response = await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Bearer", response.Get("token_type"));
        Assert.InRange(response.Json.GetProperty("expires_in").GetInt32(), 890, 900);
        Assert.Equal(["account", "email", "offline_access", "openid", "posts.read", "posts.write", "profile", "roles"],
            response.Get("scope").Split(' ').Order());
        Assert.False(string.IsNullOrEmpty(response.Get("refresh_token")));

        // Exactly what /connect/token issues: an RFC 9068 JWT for the APIs, with the session and family ids.
        var access = await OAuth.ValidateJwtAsync(client, response.Get("access_token"), IdentityServerFactory.BoardApiResource, "at+jwt");
        Assert.Equal(user.Id, access.Subject);
        Assert.Equal(AuthApiClient.ClientId, access.GetClaim("client_id").Value);
        Assert.Equal(new[] { server.AccountResource, IdentityServerFactory.BoardApiResource }.Order(StringComparer.Ordinal), access.Audiences.Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrEmpty(access.GetClaim("sid").Value));
        Assert.False(string.IsNullOrEmpty(access.GetClaim("aid").Value));
        // Personal data stays out of the access token; the ID token has what the scopes grant.
        Assert.False(access.TryGetClaim("email", out _));
        Assert.False(access.TryGetClaim("birthdate", out _));
        var id = await OAuth.ValidateJwtAsync(client, response.Get("id_token"), AuthApiClient.ClientId, "JWT");
        Assert.Equal(user.Email, id.GetClaim("email").Value);
        Assert.Equal(access.GetClaim("sid").Value, id.GetClaim("sid").Value);
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownEmail_AnswerIdentically()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();

        var wrongPassword = await AuthApiClient.LoginAsync(client, user.Email!, "Wr0ng!Password");
        var unknownEmail = await AuthApiClient.LoginAsync(client, $"nobody-{Guid.NewGuid():N}@example.test", "Wr0ng!Password");

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.Status);
        Assert.Equal("application/problem+json", wrongPassword.ContentType);
        Assert.Equal("invalid_grant", wrongPassword.Get("error"));
        Assert.Equal(wrongPassword.Status, unknownEmail.Status);
        Assert.Equal(wrongPassword.ContentType, unknownEmail.ContentType);
        Assert.Equal(WithoutTraceId(wrongPassword), WithoutTraceId(unknownEmail));
    }

    [Fact]
    public async Task Login_RepeatedWrongPasswords_LockTheAccountWithTheSameAnswer()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (_, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var failure = await AuthApiClient.LoginAsync(client, user.Email!, "Wr0ng!Password");
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            await AuthApiClient.LoginAsync(client, user.Email!, "Wr0ng!Password");
        }

        // Locked: even the right password is refused, and the answer does not say why.
        var locked = await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password");

        Assert.Equal(failure.Status, locked.Status);
        Assert.Equal(WithoutTraceId(failure), WithoutTraceId(locked));
        await using var scope = server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!));

        // Someone else's guesses must not log the user out: their own session goes on refreshing.
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.RefreshAsync(client, refreshToken)).Status);
    }

    // Problem details carry the request's trace id; everything else must be the same.
    private static string WithoutTraceId(TokenResponse response) =>
        System.Text.RegularExpressions.Regex.Replace(response.Body, "\"traceId\":\"[^\"]*\"", "");

    [Fact]
    public async Task Login_WrongPasswordsInParallel_EachCountsTowardsLockout()
    {
        var user = await server.CreateUserAsync();

        // Identity's own count (read, add one, save) loses most of these to each other.
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            AuthApiClient.LoginAsync(server.CreateApiClient(), user.Email!, "Wr0ng!Password")));

        var locked = await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!);
        });
        Assert.True(locked);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(server.CreateApiClient(), user.Email!, "Str0ng!Password")).Status);
    }

    [Fact]
    public async Task Login_MissingFields_BadRequestNamingThem()
    {
        var response = await AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Post, "/auth/login", new { email = "" });

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(["email", "password"], AuthApiClient.FieldsInError(response));
    }

    [Fact]
    public async Task Login_NotJson_UnsupportedMediaType()
    {
        var response = await server.CreateApiClient().PostAsync("/auth/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "a@b.c", ["password"] = "x" }));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task PasswordGrant_AtTokenEndpoint_OnlyForTheFirstPartyClient()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["username"] = user.Email!,
            ["password"] = "Str0ng!Password",
            ["scope"] = "openid",
        };

        var firstParty = await OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string>(form) { ["client_id"] = AuthApiClient.ClientId });
        var spa = await OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string>(form) { ["client_id"] = IdentityServerFactory.SpaClientId });
        var thirdParty = await OAuth.PostAsync(client, "/connect/token", form,
            (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret));

        Assert.Equal(HttpStatusCode.OK, firstParty.Status);
        Assert.Equal("unauthorized_client", spa.Error);
        Assert.Equal("unauthorized_client", thirdParty.Error);
    }
}
