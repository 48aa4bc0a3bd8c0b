using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthRegisterTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static object NewAccount(string? email = null, string password = "Str0ng!Password", string displayName = "Ada",
        string? birthdate = "1990-12-10") =>
        new { email = email ?? $"ada-{Guid.NewGuid():N}@example.test", password, displayName, birthdate };

    [Fact]
    public async Task Register_ValidFields_CreatedWithProfileAndCanSignIn()
    {
        var email = $"ada-{Guid.NewGuid():N}@example.test";
        var client = server.CreateApiClient();

        var response = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register", NewAccount(email, displayName: "  Ada Lovelace "));

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("/auth/me", response.Headers!.Location!.OriginalString);
        Assert.True(Guid.TryParse(response.Get("id"), out _));
        Assert.Equal(email, response.Get("email"));
        Assert.Equal("Ada Lovelace", response.Get("displayName"));
        Assert.Equal("1990-12-10", response.Get("birthdate"));
        Assert.Equal(0, response.Json.GetProperty("roles").GetArrayLength());
        // No secret in the answer, hashed or not.
        Assert.DoesNotContain("password", response.Body, StringComparison.OrdinalIgnoreCase);

        var login = await AuthApiClient.LoginAsync(client, email, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.OK, login.Status);
    }

    [Fact]
    public async Task Register_DuplicateEmailInAnyCase_Conflict()
    {
        var email = $"grace-{Guid.NewGuid():N}@example.test";
        var client = server.CreateApiClient();
        Assert.Equal(HttpStatusCode.Created, (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register", NewAccount(email))).Status);

        var again = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register", NewAccount(email.ToUpperInvariant()));

        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("application/problem+json", again.ContentType);
        Assert.Equal(409, again.Json.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Register_SameEmailInParallel_OneCreatedTheRestConflict()
    {
        var email = $"race-{Guid.NewGuid():N}@example.test";

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Post, "/auth/register", NewAccount(email))));

        Assert.Single(responses, response => response.Status == HttpStatusCode.Created);
        Assert.All(responses.Where(response => response.Status != HttpStatusCode.Created),
            response => Assert.Equal(HttpStatusCode.Conflict, response.Status));
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
