using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.Revocation.DPoP;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// The DPoP proof of a token request (RFC 9449 section 5), for every grant: checked by the one
/// <see cref="DPoPProofValidator"/>, with a current server nonce (section 8), required of clients registered with
/// <c>dpop_bound_access_tokens</c>. A good proof's key is recorded in the transaction; <see cref="BindIssuedTokens"/>
/// binds the tokens to it.
/// </summary>
public sealed class TokenRequestProofs(DPoPProofValidator proofs, DPoPNonces nonces, IOpenIddictApplicationManager applications)
{
    /// <summary>RFC 9449 section 8: try again with the nonce in the DPoP-Nonce header.</summary>
    public const string UseNonceError = "use_dpop_nonce";

    public const string NonceHeader = "DPoP-Nonce";

    /// <summary>The refusal to answer, or null when the request may go on (bound or not).</summary>
    public async Task<IResult?> CheckAsync(HttpContext http, OpenIddictRequest request)
    {
        var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        try
        {
            var proof = await proofs.ValidateAsync(http.Request, AuthTokenRequests.AddressedPath(http), accessToken: null,
                expectedThumbprint: null, http.RequestAborted);
            switch (proof.Status)
            {
                case DPoPProofStatus.Absent when await ClientProperties.RequiresDPoPAsync(applications, application):
                    return OAuthErrors.Forbid(DPoPBindingRule.InvalidProofError, "This client must send a DPoP proof with every token request (RFC 9449).");

                case DPoPProofStatus.Absent:
                    return null;

                case DPoPProofStatus.Invalid:
                    return OAuthErrors.Forbid(DPoPBindingRule.InvalidProofError, proof.ErrorDescription ?? "The DPoP proof is invalid.");

                case DPoPProofStatus.Valid when !await nonces.IsCurrentAsync(proof.Nonce):
                    http.Response.Headers[NonceHeader] = await nonces.CurrentAsync();
                    return OAuthErrors.Forbid(UseNonceError, "Send the DPoP proof again with the nonce in the DPoP-Nonce header.");

                case DPoPProofStatus.Valid:
                    var transaction = http.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction
                        ?? throw new InvalidOperationException("The OpenIddict transaction cannot be retrieved.");
                    // RFC 9449 5: a public client's refresh token is bound to the key too; a confidential client's
                    // is bound to its own authentication already.
                    DPoPBinding.Record(transaction, proof.Thumbprint!,
                        bindRefreshToken: await applications.HasClientTypeAsync(application, ClientTypes.Public, http.RequestAborted));
                    return null;

                default:
                    return Unavailable();
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return Unavailable();
        }
    }

    private static IResult Unavailable() =>
        OAuthErrors.Forbid(Errors.TemporarilyUnavailable, "DPoP proofs cannot be checked right now; retry shortly.");
}
