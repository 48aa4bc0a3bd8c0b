using Microsoft.AspNetCore;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.ServiceDefaults.Telemetry;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Telemetry;

/// <summary>
/// Names the client in the access log line of every OAuth endpoint request it authenticated at (introspection and
/// revocation by a resource server, a refused token request), once its secret has been checked, so a wrong secret
/// never gets a real client's name in the log.
/// </summary>
public sealed class NameAuthenticatedClient : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<NameAuthenticatedClient>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientSecret.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.Request?.ClientId is { } clientId
            && context.Transaction.GetHttpRequest()?.HttpContext.Features.Get<AccessLogFields>() is { } fields)
        {
            fields.ClientId ??= clientId;
        }

        return default;
    }
}
