using OpenIddict.Server;
using StackExchange.Redis;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// The first request presenting a refresh token or code has its answer: release its claim (see
/// <see cref="DetectRedeemedTokenReuse"/>).
/// </summary>
public sealed class ReleaseRedemptionClaim(IConnectionMultiplexer redis, TimeProvider clock, ILogger<ReleaseRedemptionClaim> logger)
    : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<ReleaseRedemptionClaim>()
            // First of the response's steps, before any that ends the request (AuthErrorsAsProblems writes its own body).
            .SetOrder(OpenIddictServerHandlers.Exchange.NormalizeErrorResponse.Descriptor.Order - 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (context.Transaction.Properties.TryGetValue(DetectRedeemedTokenReuse.ClaimProperty, out var value)
            && value is DetectRedeemedTokenReuse.RedemptionClaim claim)
        {
            try
            {
                await DetectRedeemedTokenReuse.ReleaseAsync(redis, claim, issued: string.IsNullOrEmpty(context.Response.Error), clock);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // The waiting replays give up waiting after a few seconds and revoke anyway.
                logger.LogWarning(exception, "Could not mark redemption claim {Claim} answered.", claim.Key);
            }
        }
    }
}
