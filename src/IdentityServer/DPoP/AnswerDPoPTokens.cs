using Microsoft.AspNetCore;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.Revocation.DPoP;
using StackExchange.Redis;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// A bound access token is answered as <c>token_type=DPoP</c> (RFC 9449 section 5), with the current server nonce for
/// the client's next proof (section 8.2), so a nonce rotation costs no extra round trip.
/// </summary>
public sealed class AnswerDPoPTokens(DPoPNonces nonces) : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<AnswerDPoPTokens>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<ApplyTokenResponseContext>.Descriptor.Order - 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (context.Response.AccessToken is null || DPoPBinding.ProvedKey(context.Transaction) is null)
        {
            return;
        }

        context.Response.TokenType = DPoPProofValidator.Scheme;
        if (context.Transaction.GetHttpRequest()?.HttpContext.Response is { } response)
        {
            try
            {
                response.Headers[TokenRequestProofs.NonceHeader] = await nonces.CurrentAsync();
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // The tokens are issued already: answer them. The next request is told the nonce (use_dpop_nonce).
            }
        }
    }
}
