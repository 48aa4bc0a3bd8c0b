using RedisJwt.ServiceDefaults.Telemetry;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class SecretRedactionTests
{
    [Theory]
    [InlineData("GET /Account/ResetPassword?userId=42&code=c0de", "GET /Account/ResetPassword?userId=42&code=[redacted]")]
    [InlineData("/connect/authorize?client_id=spa&code_challenge=abc&state=x", "/connect/authorize?client_id=spa&code_challenge=abc&state=x")]
    [InlineData("?token=t&other=1", "?token=[redacted]&other=1")]
    [InlineData("{ \"code_verifier\": \"v3r\", \"client_id\": \"spa\" }", "{ \"code_verifier\": \"[redacted]\", \"client_id\": \"spa\" }")]
    [InlineData("{\"newPassword\":\"P@ss\"}", "{\"newPassword\": \"[redacted]\"}")]
    [InlineData("https://app.example/cb#access_token=eyJ.a.b&state=x", "https://app.example/cb#access_token=[redacted]&state=x")]
    [InlineData("nothing to hide", "nothing to hide")]
    public void RedactText_SecretParameters_Blanked(string text, string expected) =>
        Assert.Equal(expected, SecretRedaction.RedactText(text));

    [Theory]
    [InlineData("Token")]
    [InlineData("Payload")]
    [InlineData("ReferenceId")]
    [InlineData("Arguments")]
    public void Redact_ValueNamedAsSecret_Replaced(string name) =>
        Assert.Equal(SecretRedaction.Redacted, SecretRedaction.Redact(name, "eyJ.secret.value"));

    [Fact]
    public void Redact_UrlOrQueryLoggedAsAValue_SecretParametersBlanked()
    {
        Assert.Equal("https://id.example/Account/ConfirmEmail?userId=1&code=[redacted]",
            SecretRedaction.Redact("Url", new Uri("https://id.example/Account/ConfirmEmail?userId=1&code=c0de")));
        Assert.Equal("?refresh_token=[redacted]",
            SecretRedaction.Redact("Query", new Microsoft.AspNetCore.Http.QueryString("?refresh_token=r3fresh")));
    }

    [Fact]
    public void AddSecretRedaction_FactoryItCannotWrap_RefusesInsteadOfFailingOpen()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(
            services, new Microsoft.Extensions.Logging.LoggerFactory());

        Assert.Contains("cannot wrap", Assert.Throws<InvalidOperationException>(() => services.AddSecretRedaction()).Message);
    }

    [Fact]
    public void Redact_OpenIddictRequest_SecretParametersOnly()
    {
        var request = new OpenIddict.Abstractions.OpenIddictRequest
        {
            GrantType = "authorization_code", Code = "the-code", CodeVerifier = "the-verifier", ClientId = "board-spa",
        };

        var logged = (string)SecretRedaction.Redact("Request", request)!;

        Assert.DoesNotContain("the-code", logged);
        Assert.DoesNotContain("the-verifier", logged);
        Assert.Contains("board-spa", logged);
        Assert.Contains("authorization_code", logged);
    }
}
