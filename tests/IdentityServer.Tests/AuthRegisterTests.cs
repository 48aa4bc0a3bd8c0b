using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthRegisterTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static object NewAccount(string? email = null, string password = "Str0ng!Password", string displayName = "Ada",
        string? birthdate = "1990-12-10") =>
        new { email = email ?? $"ada-{Guid.NewGuid():N}@example.test", password, displayName, birthdate };

    [Fact]
    public async Task Register_ValidFields_AcceptedThenCanSignInWithTheProfile()
    {
        var email = $"ada-{Guid.NewGuid():N}@example.test";
        var client = server.CreateApiClient();

        var response = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register", NewAccount(email, displayName: "  Ada Lovelace "));

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal(Account.SignUp.Registration.AcceptedMessage, response.Get("message"));
        // No secret in the answer, hashed or not.
        Assert.DoesNotContain("password", response.Body, StringComparison.OrdinalIgnoreCase);

        var (access, _) = await AuthApiClient.SignInAsync(client, email, "Str0ng!Password");
        var profile = await AuthApiClient.MeAsync(client, access);
        Assert.True(Guid.TryParse(profile.Get("id"), out _));
        Assert.Equal(email, profile.Get("email"));
        Assert.Equal("Ada Lovelace", profile.Get("displayName"));
        Assert.Equal("1990-12-10", profile.Get("birthdate"));
        Assert.Equal(0, profile.Json.GetProperty("roles").GetArrayLength());
    }

    [Fact]
    public async Task Register_SameEmailInParallel_OneAccountEveryAnswerTheSame()
    {
        var email = $"race-{Guid.NewGuid():N}@example.test";

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Post, "/auth/register", NewAccount(email))));

        Assert.All(responses, response => Assert.Equal((HttpStatusCode.Accepted, responses[0].Body), (response.Status, response.Body)));
        Assert.Equal(1, await server.WithScopeAsync(async services =>
            await services.GetRequiredService<UserManager<Data.ApplicationUser>>().Users.CountAsync(user => user.Email == email)));
    }

    [Fact]
    public async Task Register_EveryFieldInvalid_BadRequestNamingEachField()
    {
        var response = await AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Post, "/auth/register",
            new { email = "not-an-email", password = "short", displayName = "bad\u0007name", birthdate = (string?)null });

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal(["birthdate", "displayName", "email", "password"], AuthApiClient.FieldsInError(response));
    }

    [Theory]
    [InlineData("alllowercase1!", "password")] // Identity's rules: an upper-case letter is required
    [InlineData("NoDigitsHere!", "password")]
    public async Task Register_PasswordBreaksIdentityRules_BadRequestOnPassword(string password, string field)
    {
        var response = await AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Post, "/auth/register", NewAccount(password: password));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal([field], AuthApiClient.FieldsInError(response));
    }

    [Theory]
    [InlineData("2999-01-01")]
    [InlineData("1800-01-01")]
    public async Task Register_ImpossibleBirthdate_BadRequestOnBirthdate(string birthdate)
    {
        var response = await AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Post, "/auth/register", NewAccount(birthdate: birthdate));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(["birthdate"], AuthApiClient.FieldsInError(response));
    }

    [Fact]
    public async Task Register_MalformedJsonOrForm_ProblemNotServerError()
    {
        var client = server.CreateApiClient();

        var broken = await client.PostAsync("/auth/register", new StringContent("{\"email\":", System.Text.Encoding.UTF8, "application/json"));
        var form = await client.PostAsync("/auth/register", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "a@b.c" }));
        var wrongType = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register", new { email = 42 });

        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);
        Assert.Equal(["email"], AuthApiClient.FieldsInError(wrongType));
    }
}
