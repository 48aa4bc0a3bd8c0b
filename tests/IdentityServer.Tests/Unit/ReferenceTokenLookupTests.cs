using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Connect;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>
/// Issue 22: the reference-identifier lookup (a SELECT) runs only for a token that could be one. Pushed request URIs,
/// and codes, which are reference tokens, still resolve (PushedAuthorizationTests, AuthorizationCodeTests).
/// </summary>
public sealed class ReferenceTokenLookupTests
{
    private static ValidateTokenContext Context(string token) => new(new OpenIddictServerTransaction
    {
        Options = new OpenIddictServerOptions(),
        Logger = NullLogger.Instance,
        Request = new OpenIddictRequest(),
    }) { Token = token };

    [Theory]
    [InlineData(43, true)] // OpenIddict's reference identifiers: 256 random bits, base64url
    [InlineData(8, true)] // a user code
    [InlineData(ReferenceTokenLookup.MaxReferenceIdLength, true)]
    [InlineData(ReferenceTokenLookup.MaxReferenceIdLength + 1, false)]
    [InlineData(600, false)] // a Data Protection refresh token
    public async Task Filter_LooksUpOnlyWhatFitsTheReferenceIdColumn(int length, bool looksUp) =>
        Assert.Equal(looksUp, await new RequirePossibleReferenceId().IsActiveAsync(Context(new string('a', length))));

    [Fact]
    public void Descriptor_IsTheBuiltInHandlerAtItsPlace()
    {
        var builtIn = OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor;

        Assert.Equal((builtIn.ServiceDescriptor.ServiceType, builtIn.Order, builtIn.Type),
            (ReferenceTokenLookup.Descriptor.ServiceDescriptor.ServiceType, ReferenceTokenLookup.Descriptor.Order, ReferenceTokenLookup.Descriptor.Type));
        Assert.Superset(builtIn.FilterTypes.ToHashSet(), ReferenceTokenLookup.Descriptor.FilterTypes.ToHashSet());
        Assert.Contains(typeof(RequirePossibleReferenceId), ReferenceTokenLookup.Descriptor.FilterTypes);
    }

}

/// <summary>The server's options as the application configures them: the built-in lookup replaced in place.</summary>
public sealed class ReferenceTokenLookupRegistrationTests(RedisJwt.Testing.IdentityServerFactory server)
    : IClassFixture<RedisJwt.Testing.IdentityServerFactory>
{
    [Fact]
    public void Options_HoldTheFilteredLookupInsteadOfTheBuiltIn()
    {
        var handlers = server.Services.GetRequiredService<IOptions<OpenIddictServerOptions>>().Value.Handlers;

        Assert.Contains(ReferenceTokenLookup.Descriptor, handlers);
        Assert.DoesNotContain(OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor, handlers);
    }
}
