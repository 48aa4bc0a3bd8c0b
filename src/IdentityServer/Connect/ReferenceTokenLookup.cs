using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// OpenIddict looks up every token that is not a JWT as a reference identifier (a SELECT) before reading it. Refresh
/// tokens and codes are Data Protection tokens of hundreds of characters, so every refresh paid for a lookup that
/// cannot match: a reference identifier fits the ReferenceId column (100 characters; OpenIddict makes 43, user codes
/// fewer). The built-in handler runs unchanged, only for tokens that could be one (pushed request URIs, for instance).
/// </summary>
public static class ReferenceTokenLookup
{
    /// <summary>The length of OpenIddictTokens.ReferenceId: no longer token is anyone's reference identifier.</summary>
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
