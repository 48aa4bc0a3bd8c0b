using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// OpenIddict looks up every token that is not a JWT as a reference identifier (a SELECT) before reading it. Refresh
/// tokens and codes are Data Protection tokens of hundreds of characters, so every refresh paid for a lookup that
/// cannot match: OpenIddict's reference identifiers are 43 characters (256 random bits, base64url), its user codes
/// fewer. The built-in handler runs unchanged for every token of at most 100 characters (codes and pushed request URIs).
/// </summary>
public static class ReferenceTokenLookup
{
    /// <summary>Above any reference identifier OpenIddict makes (43 characters), with room to spare.</summary>
    public const int MaxReferenceIdLength = 100;

    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .Import(ValidateReferenceTokenIdentifier.Descriptor)
            .AddFilter<RequirePossibleReferenceId>()
            .Build();

    public static OpenIddictServerBuilder UseReferenceLookupOnlyWherePossible(this OpenIddictServerBuilder options)
    {
        options.Services.AddSingleton<RequirePossibleReferenceId>();
        // Replaced in place (RemoveEventHandler would also drop this descriptor: it removes by handler type).
        options.Services.PostConfigure<OpenIddictServerOptions>(server =>
        {
            var builtIn = server.Handlers.IndexOf(ValidateReferenceTokenIdentifier.Descriptor);
            if (builtIn >= 0)
            {
                server.Handlers[builtIn] = Descriptor;
            }
        });
        return options;
    }
}

public sealed class RequirePossibleReferenceId : IOpenIddictServerHandlerFilter<ValidateTokenContext>
{
    public ValueTask<bool> IsActiveAsync(ValidateTokenContext context) =>
        new(context.Token is { Length: > 0 and <= ReferenceTokenLookup.MaxReferenceIdLength });
}
