using OpenIddict.Server;
using StackExchange.Redis;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Revocation;

/// <summary>The first request presenting a refresh token has its answer: release its claim (see DetectRefreshTokenReuse).</summary>
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
                await DetectRefreshTokenReuse.ReleaseAsync(redis, claim, issued: string.IsNullOrEmpty(context.Response.Error));
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // The waiting replays give up waiting after a few seconds and revoke anyway.
                logger.LogWarning(exception, "Could not mark refresh claim {Claim} answered.", claim);
            }
        }
    }
}
