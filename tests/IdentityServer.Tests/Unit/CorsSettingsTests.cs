using System.ComponentModel.DataAnnotations;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class CorsSettingsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5173")]
    [InlineData("https://board.example.com")]
    [InlineData("https://board.example.com:8443")]
    [InlineData("http://[::1]:5173")]
    public void Validate_Origin_Accepted(string origin) => Assert.Empty(Validate(origin));

    [Theory]
    [InlineData("*")]
    [InlineData("https://*.example.com")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("board.example.com")]
    [InlineData("https://board.example.com/")] // a trailing slash would never match the Origin header
    [InlineData("https://board.example.com/app")]
    [InlineData("https://board.example.com?x=1")]
    [InlineData("https://board.example.com:443")] // browsers leave the default port out
    [InlineData("https://user@board.example.com")]
    public void Validate_NotAnOrigin_RefusedNamingTheSetting(string value)
    {
        var error = Assert.Single(Validate("https://fine.example", value));

        Assert.StartsWith("Cors:AllowedOrigins:1 is ", error.ErrorMessage);
    }

    private static List<ValidationResult> Validate(params string[] origins)
    {
        var settings = new CorsSettings { AllowedOrigins = [.. origins] };
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return results;
    }
}
