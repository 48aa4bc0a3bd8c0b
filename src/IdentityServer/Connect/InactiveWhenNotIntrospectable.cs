using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// RFC 7662 2.2: a token the caller may not introspect (an ID token, an authorization code) gets
/// <c>{"active": false}</c>, like an unknown or expired one. OpenIddict answers unsupported_token_type there, which
/// resource servers read as a server failure instead of a rejected token.
/// </summary>
public sealed class InactiveWhenNotIntrospectable : IOpenIddictServerHandler<ApplyIntrospectionResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyIntrospectionResponseContext>()
            .UseSingletonHandler<InactiveWhenNotIntrospectable>()
            .SetOrder(OpenIddictServerHandlers.Introspection.NormalizeErrorResponse.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyIntrospectionResponseContext context)
    {
        if (context.Response.Error is Errors.UnsupportedTokenType)
        {
            context.Response.Error = null;
            context.Response.ErrorDescription = null;
            context.Response.ErrorUri = null;
            context.Response[Claims.Active] = false;
        }

        return default;
    }
}
