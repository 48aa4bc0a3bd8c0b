using RedisJwt.Revocation.Telemetry;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class SecretRedactionTests
{
    [Theory]
    [InlineData("GET /Account/ResetPassword?userId=42&code=c0de", "GET /Account/ResetPassword?userId=42&code=[redacted]")]
    [InlineData("/connect/authorize?client_id=spa&code_challenge=abc&state=x", "/connect/authorize?client_id=spa&code_challenge=abc&state=x")]
    [InlineData("?token=t&other=1", "?token=[redacted]&other=1")]
    [InlineData("{ \"code_verifier\": \"v3r\", \"client_id\": \"spa\" }", "{ \"code_verifier\": \"[redacted]\", \"client_id\": \"spa\" }")]
    [InlineData("{\"newPassword\":\"P@ss\"}", "{\"newPassword\": \"[redacted]\"}")]
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
