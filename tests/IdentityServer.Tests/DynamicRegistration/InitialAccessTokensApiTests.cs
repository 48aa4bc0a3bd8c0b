using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DynamicRegistration;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.DynamicRegistration.Registrations;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DynamicRegistration;

/// <summary>/admin/initial-access-tokens and `IdentityServer initial-access-tokens ...`: issued by admins only, shown once, kept hashed.</summary>
public sealed class InitialAccessTokensApiTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string Path = "/admin/initial-access-tokens";

    [Fact]
    public async Task Create_TokenShownOnce_KeptAsItsSha256_Listed()
    {
        var admin = await AdminTokenAsync(server);

        var created = await SendAsync(HttpMethod.Post, admin, new
        {
            description = "Acme onboarding", grant_types = new[] { "authorization_code" }, scope = "openid posts.read",
            redirect_uri_prefixes = new[] { Prefix }, expires_in = 86400, max_uses = 3,
        });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Contains("no-store", created.Headers!.CacheControl!.ToString());
        var token = created.Get("initial_access_token");
        var id = created.Get("id");
        Assert.Equal(43, token.Length);
        Assert.Equal($"{Path}/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(3, created.Json.GetProperty("max_uses").GetInt32());
        Assert.Equal(0, created.Json.GetProperty("uses").GetInt32());

        var stored = await server.WithScopeAsync(services =>
            services.GetRequiredService<ApplicationDbContext>().InitialAccessTokens.AsNoTracking().SingleAsync(row => row.Id == id));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), stored.TokenHash);

        var list = await SendAsync(HttpMethod.Get, admin);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Contains(list.Json.EnumerateArray(), row => row.GetProperty("id").GetString() == id
            && row.GetProperty("description").GetString() == "Acme onboarding");
        Assert.DoesNotContain(token, list.Body);
    }

    [Fact]
    public async Task Create_Invalid_400NamingEachField()
    {
        var invalid = await SendAsync(HttpMethod.Post, await AdminTokenAsync(server), new
        {
            grant_types = new[] { "authorization_code", "password" }, scope = "openid admin",
            redirect_uri_prefixes = new[] { "https://*.partner.example/" }, expires_in = 100 * 86400, max_uses = 0,
        });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(["expires_in", "grant_types", "max_uses", "redirect_uri_prefixes", "scope"], AuthApiClient.FieldsInError(invalid));
    }

    [Theory]
    [InlineData("https://partner.example")] // normalised with a '/': not in its normal form
    [InlineData("https://partner.example/app")]
    [InlineData("https://partner.example/app/?x=1")]
    [InlineData("https://user@partner.example/app/")]
    [InlineData("https://*.example/")]
    [InlineData("com.example.app:/")]
    [InlineData("/relative/")]
    public async Task Create_UnsafePrefix_Refused(string prefix)
    {
        var invalid = await SendAsync(HttpMethod.Post, await AdminTokenAsync(server), new
        {
            grant_types = new[] { "authorization_code" }, redirect_uri_prefixes = new[] { prefix }, expires_in = 600,
        });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(["redirect_uri_prefixes"], AuthApiClient.FieldsInError(invalid));
    }

    [Fact]
    public async Task Revoke_204ThenRegistrationRefused_UnknownId404()
    {
        var admin = await AdminTokenAsync(server);
        var (token, id) = await InitialTokenAsync(server);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, admin, path: $"{Path}/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, admin, path: $"{Path}/no-such-token")).Status);

        AssertBearerChallenge(await RegisterAsync(server, token, WebClient()));
        var listed = (await SendAsync(HttpMethod.Get, admin)).Json.EnumerateArray().Single(row => row.GetProperty("id").GetString() == id);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, listed.GetProperty("revoked_at").ValueKind);
    }

    [Fact]
    public async Task NotAnAdmin_401Or403()
    {
        using var client = server.CreateApiClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(Path)).StatusCode);
        var boardToken = (await ClientCredentialsAsync(server, ThirdPartyClientId, ThirdPartySecret, "posts.read")).Get("access_token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Post, boardToken, new { grant_types = new[] { "client_credentials" }, expires_in = 600 })).Status);
        var (accountToken, _) = await AuthApiClient.SignInAsync(client, DemoEmail, DemoPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, accountToken)).Status);
        // An initial access token is no admin token either.
        var (initial, _) = await InitialTokenAsync(server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, initial)).Status);
    }

    [Fact]
    public async Task Cli_CreateListRevoke()
    {
        var (exit, output, errors) = await RunAsync("create", "--grant", "client_credentials", "--scope", "posts.read",
            "--expires-in", "01:00:00", "--max-uses", "2", "--description", "from the shell");

        Assert.True(exit == 0, errors);
        var token = Assert.Single(output.Split('\n'), line => line.StartsWith("initial_access_token: ", StringComparison.Ordinal))
            ["initial_access_token: ".Length..].Trim();
        Assert.Contains("will not be shown again", output);
        var registered = await RegisterAsync(server, token, new { grant_types = new[] { "client_credentials" }, scope = "posts.read" });
        Assert.Equal(HttpStatusCode.Created, registered.Status);

        var id = output.Split('\n')[0]["Issued ".Length..].Split(':')[0];
        var (_, list, _) = await RunAsync("list");
        Assert.Contains(list.Split('\n'), line => line.StartsWith(id + ":", StringComparison.Ordinal) && line.Contains("uses 1/2"));
        Assert.DoesNotContain(token, list);

        Assert.Equal(0, (await RunAsync("revoke", id)).Exit);
        AssertBearerChallenge(await RegisterAsync(server, token, new { grant_types = new[] { "client_credentials" }, scope = "posts.read" }));
        Assert.Equal(1, (await RunAsync("revoke", "no-such-token")).Exit);
    }

    [Fact]
    public async Task Cli_RefusedAndBadCommandLines()
    {
        var (exit, _, errors) = await RunAsync("create", "--grant", "password", "--expires-in", "600", "--redirect-uri-prefix", "https://x.example");
        Assert.Equal(1, exit);
        Assert.Contains("--grant:", errors);
        Assert.Contains("--redirect-uri-prefix:", errors);

        Assert.Equal(2, (await RunAsync()).Exit);
        Assert.Equal(2, (await RunAsync("mint")).Exit);
        Assert.Equal(2, (await RunAsync("create", "--colour", "blue")).Exit);
        Assert.Equal(2, (await RunAsync("create", "--grant")).Exit);
        Assert.Equal(2, (await RunAsync("revoke")).Exit);
        Assert.Equal(2, (await RunAsync("create", "--max-uses", "1", "--max-uses", "2")).Exit);
    }

    private async Task<TokenResponse> SendAsync(HttpMethod method, string bearer, object? body = null, string path = Path)
    {
        using var client = server.CreateApiClient();
        return await AuthApiClient.SendAsync(client, method, path, body, bearer);
    }

    private async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await InitialAccessTokensCommand.RunAsync(server.Services, args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }
}
