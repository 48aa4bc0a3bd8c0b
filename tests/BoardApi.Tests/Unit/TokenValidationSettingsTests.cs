using System.ComponentModel.DataAnnotations;
using RedisJwt.BoardApi.Auth;

namespace RedisJwt.BoardApi.Tests.Unit;

public sealed class TokenValidationSettingsTests
{
    [Theory]
    [InlineData("https://board.example.com", false)]
    [InlineData("https://api.example.com/board", false)]
    [InlineData("http://127.0.0.1:5002", true)]
    public void Resource_AbsoluteWithoutQuery_Valid(string resource, bool allowInsecureHttp) =>
        Assert.Empty(Errors(resource, allowInsecureHttp));

    [Theory]
    [InlineData("http://board.example.com", false)]
    [InlineData("https://board.example.com/?tenant=1", false)]
    [InlineData("https://board.example.com/#top", false)]
    [InlineData("ftp://board.example.com", true)]
    [InlineData("/board", true)]
    public void Resource_InsecureRelativeOrWithQuery_NamedInError(string resource, bool allowInsecureHttp) =>
        Assert.Contains("Auth:Resource", Assert.Single(Errors(resource, allowInsecureHttp)).ErrorMessage);

    private static List<ValidationResult> Errors(string resource, bool allowInsecureHttp)
    {
        var settings = new TokenValidationSettings
        {
            Issuer = new Uri("https://id.example.com/"),
            AllowInsecureHttp = allowInsecureHttp,
            Audience = "https://board.example.com/",
            Resource = new Uri(resource, UriKind.RelativeOrAbsolute),
        };
        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true);
        return errors;
    }
}
