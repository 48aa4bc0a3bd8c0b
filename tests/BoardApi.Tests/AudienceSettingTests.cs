using Microsoft.Extensions.Options;
using RedisJwt.BoardApi.Tests.Infrastructure;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Auth:Audience is BoardApi's resource identifier (RFC 8707): required outside Development, and an absolute URI in its
/// normal form, as the IdentityServer requires of the posts scopes' resource it must equal character for character.
/// </summary>
public sealed class AudienceSettingTests
{
    [Theory]
    [InlineData("", "Auth:Audience is required")]
    [InlineData("board-api", "must be an absolute URI")]
    [InlineData("https://api.example.test/#posts", "without a fragment")]
    [InlineData("https://API.example.test", "normal form, \"https://api.example.test/\"")]
    public void Production_AudienceNotAResourceIdentifier_RefusesToStart(string audience, string message)
    {
        using var factory = new BoardApiFactory(new Uri("https://id.example.test/"),
            overrides: new Dictionary<string, string?> { ["Auth:Audience"] = audience }, environment: "Production")
        {
            CreateDatabase = false,
        };

        var refused = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(message, refused.Message);
    }
}
