using OpenIddict.Server;
using StackExchange.Redis;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Revocation;

/// <summary>The winning refresh request has its answer: racing replays may now revoke the family.</summary>
public sealed class ReleaseRefreshClaim(IConnectionMultiplexer redis, ILogger<ReleaseRefreshClaim> logger)
    : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<ReleaseRefreshClaim>()
            .SetOrder(int.MinValue + 50_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (context.Transaction.Properties.TryGetValue(DetectRefreshTokenReuse.ClaimProperty, out var value) && value is string claim)
        {
            try
            {
                await DetectRefreshTokenReuse.MarkAnsweredAsync(redis, claim);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // The waiting replays give up waiting after a few seconds and revoke anyway.
                logger.LogWarning(exception, "Could not mark refresh claim {Claim} answered.", claim);
            }
        }
    }
}
