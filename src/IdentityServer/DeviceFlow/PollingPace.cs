using System.Globalization;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Connect;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// The polling interval (RFC 8628 3.2), announced with every device code and enforced at the token endpoint: a device
/// polling sooner gets slow_down and 5 more seconds to wait (3.5). Checked once the code is known to exist and to be
/// unexpired, before OpenIddict says whether it is approved: a device cannot learn that faster by polling faster.
/// </summary>
public sealed class PollingPace(DevicePolls polls, IOptions<ServerSettings> settings, ILogger<PollingPace> logger) :
    IOpenIddictServerHandler<ValidateTokenContext>,
    IOpenIddictServerHandler<ApplyDeviceAuthorizationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<PollingPace>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 250)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor IntervalDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyDeviceAuthorizationResponseContext>()
            .UseSingletonHandler<PollingPace>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<ApplyDeviceAuthorizationResponseContext>.Descriptor.Order - 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token || string.IsNullOrEmpty(context.TokenId)
            || context.Principal?.HasTokenType(TokenTypeIdentifiers.Private.DeviceCode) is not true)
        {
            return;
        }

        try
        {
            if (await polls.TooSoonAsync(context.TokenId) is { } interval)
            {
                context.Reject(Errors.SlowDown,
                    $"Polling too fast: wait at least {interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds between requests.");
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The pace is a courtesy to the server, not a security check: without Redis the poll goes on.
            logger.LogWarning(exception, "The polling pace of a device code cannot be checked; the poll goes on.");
        }
    }

    public ValueTask HandleAsync(ApplyDeviceAuthorizationResponseContext context)
    {
        if (!string.IsNullOrEmpty(context.Response.DeviceCode))
        {
            context.Response[Parameters.Interval] = (long)settings.Value.DevicePollingInterval.TotalSeconds;
        }

        return default;
    }
}
