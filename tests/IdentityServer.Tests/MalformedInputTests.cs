using System.Net;
using System.Text;
using System.Text.Json;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Review finding 12 (issue 17). Input PostgreSQL cannot store (U+0000, unpaired surrogates) and forms that cannot be read are refused before any
/// handler: invalid_request at the OAuth endpoints (RFC 6749 5.2), problem details naming the field elsewhere. Valid
/// text of any script, emoji included, passes.
/// </summary>
public sealed class MalformedInputTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Token_NulInFormField_InvalidRequest()
    {
        var response = await PostFormAsync("/connect/token", ("grant_type", "password"), ("client_id", "board\0app"),
            ("username", IdentityServerFactory.DemoEmail), ("password", IdentityServerFactory.DemoPassword));

        AssertInvalidRequest(response, "%00 (U+0000)");
    }

    [Fact]
    public async Task UserInfo_NulInQuery_InvalidRequestNamingIt()
    {
        var response = await TokenResponse.ReadAsync(await server.CreateApiClient().GetAsync("/connect/userinfo?access_token=a%00b"));

        AssertInvalidRequest(response, "access_token: ");
    }

    [Fact]
    public async Task Token_FormInAnotherCharset_InvalidRequest()
    {
        // UTF-7 made the form reader throw; any charset but UTF-8 is refused (RFC 6749 Appendix B).
        var content = new StringContent("grant_type=client_credentials", Encoding.UTF8, "application/x-www-form-urlencoded");
        content.Headers.ContentType!.CharSet = "utf-7";

        AssertInvalidRequest(await TokenResponse.ReadAsync(await server.CreateApiClient().PostAsync("/connect/token", content)), "UTF-8");
    }

    [Fact]
    public async Task Token_TooManyFields_InvalidRequest()
    {
        var response = await PostFormAsync("/connect/token",
            [("grant_type", "client_credentials"), .. Enumerable.Range(0, 1_100).Select(index => ($"f{index}", "v"))]);

        AssertInvalidRequest(response, "Not a readable form");
    }

    [Fact]
    public async Task Introspect_NulInToken_InvalidRequest()
    {
        var response = await OAuth.IntrospectAsync(server.CreateApiClient(), "not\0a-token");

        AssertInvalidRequest(response, "%00 (U+0000)");
    }

    [Theory]
    [InlineData("/connect/token")]
    [InlineData("/connect/introspect")]
    [InlineData("/connect/revoke")]
    public async Task ClientCredentials_NulInBasicClientId_InvalidRequest(string path)
    {
        // OAuth.PostAsync form-urlencodes the id before base64 (RFC 6749 2.3.1), so the server decodes a NUL.
        var response = await OAuth.PostAsync(server.CreateApiClient(), path,
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["token"] = "x" }, ("board\0api", "secret"));

        AssertInvalidRequest(response, "client_id");
    }

    [Fact]
    public async Task Revoke_NulInToken_InvalidRequest()
    {
        var response = await OAuth.RevokeAsSpaAsync(server.CreateApiClient(), "not\0a-token");

        AssertInvalidRequest(response, "%00 (U+0000)");
    }

    [Fact]
    public async Task Authorize_NulInClientId_BadRequestNamingIt()
    {
        var url = OAuth.AuthorizeUrl("board\0spa", IdentityServerFactory.SpaRedirectUri, "openid", Pkce.Create());

        var response = await server.CreateApiClient().GetAsync(url);

        // A browser endpoint: problem details, never a redirect to a redirect_uri nobody checked.
        await AssertFieldProblemAsync(response, "client_id");
    }

    [Fact]
    public async Task Logout_NulInPostLogoutRedirectUri_BadRequestNamingIt()
    {
        var response = await server.CreateApiClient().GetAsync(
            OAuth.EndSessionUrl(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaPostLogoutRedirectUri + "\0"));

        await AssertFieldProblemAsync(response, "post_logout_redirect_uri");
    }

    [Fact]
    public async Task AuthLogin_NulInEmail_FieldError()
    {
        var response = await AuthApiClient.LoginAsync(server.CreateApiClient(), "demo\0@redisjwt.local", "whatever");

        AssertFieldProblem(response, "email");
    }

    [Fact]
    public async Task AuthLogin_LoneSurrogateEscape_FieldError()
    {
        var response = await server.CreateApiClient().PostAsync("/auth/login",
            new StringContent("{\"email\": \"demo@redisjwt.local\", \"password\": \"x\\ud800\"}", Encoding.UTF8, "application/json"));

        await AssertFieldProblemAsync(response, "password");
    }

    [Fact]
    public async Task AuthRefresh_NulInRefreshToken_FieldError()
    {
        var response = await AuthApiClient.RefreshAsync(server.CreateApiClient(), "not\0a-token");

        AssertFieldProblem(response, "refresh_token");
    }

    [Fact]
    public async Task LoginPage_NulInEmail_BadRequest()
    {
        var browser = server.CreateBrowser();
        var login = await browser.NavigateAsync("/Account/Login");

        var page = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = "demo\0@redisjwt.local",
            ["Input.Password"] = IdentityServerFactory.DemoPassword,
        });

        // The form reader refuses %00 before any field is known: the body is named.
        await AssertFieldProblemAsync(page.Response, "body");
    }

    [Fact]
    public async Task LoginPage_ForgedRememberMe_BadRequest()
    {
        var browser = server.CreateBrowser();
        var login = await browser.NavigateAsync("/Account/Login");

        var page = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = IdentityServerFactory.DemoEmail,
            ["Input.Password"] = IdentityServerFactory.DemoPassword,
            ["Input.RememberMe"] = "yes please",
        });

        Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
    }

    [Fact]
    public async Task AccountPages_UnreadableForm_BadRequestNotServerError()
    {
        var content = new StringContent("--b\r\ngarbage", Encoding.UTF8);
        content.Headers.ContentType = new("multipart/form-data") { Parameters = { new("boundary", "b") } };

        var response = await server.CreateApiClient().PostAsync("/Account/Register", content);

        await AssertFieldProblemAsync(response, "body");
    }

    [Fact]
    public async Task NonAsciiAndEmoji_InFormsAndJson_Accepted()
    {
        // Valid surrogate pairs are text like any other: in a JSON body, then in the token endpoint's form. (A display
        // name may not hold emoji: RegistrationFields.DisplayNamePattern refuses \p{C}, which surrogates are.)
        var email = $"zoe-{Guid.NewGuid():N}@example.test";
        const string password = "Zoë-Ångström-😀-日本-1";
        var client = server.CreateApiClient();
        var registered = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register",
            new { email, password, displayName = "Zoë Ångström 日本", birthdate = "1990-12-10" });
        Assert.True(registered.Status == HttpStatusCode.Accepted, registered.Body);

        var token = await PostFormAsync("/connect/token", ("grant_type", "password"), ("client_id", AuthApiClient.ClientId),
            ("username", email), ("password", password), ("scope", "openid profile account"));

        Assert.True(token.Status == HttpStatusCode.OK, token.Body);
        Assert.Equal("Zoë Ångström 日本", (await AuthApiClient.MeAsync(client, token.Get("access_token"))).Get("displayName"));
    }

    private async Task<TokenResponse> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        await TokenResponse.ReadAsync(await server.CreateApiClient().PostAsync(path,
            new FormUrlEncodedContent(fields.Select(field => new KeyValuePair<string, string>(field.Name, field.Value)))));

    /// <summary>RFC 6749 5.2: 400, <c>invalid_request</c>, never cached; the description says why.</summary>
    private static void AssertInvalidRequest(TokenResponse response, string why)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("invalid_request", response.Error);
        Assert.Equal("no-store", response.Headers!.CacheControl?.ToString());
        Assert.Contains(why, response.Get("error_description"));
    }

    private static async Task AssertFieldProblemAsync(HttpResponseMessage response, string field) =>
        AssertFieldProblem(await TokenResponse.ReadAsync(response), field);

    /// <summary>RFC 9457: a 400 validation problem naming <paramref name="field"/>.</summary>
    private static void AssertFieldProblem(TokenResponse response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out var messages), $"No error for '{field}' in {response.Body}");
        Assert.Equal(JsonValueKind.Array, messages.ValueKind);
    }
}
