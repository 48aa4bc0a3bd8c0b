using Microsoft.AspNetCore;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.Revocation.DPoP;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// The userinfo endpoint is a protected resource too (RFC 9449 7): OpenIddict's server reads only <c>Bearer</c>
/// tokens there and cannot check a <c>cnf.jkt</c> (its proof-of-possession step knows client certificates only). These
/// handlers take the token from <c>Authorization: DPoP</c>, apply the resource servers' <see cref="DPoPBindingRule"/>,
/// and answer in the DPoP scheme.
/// </summary>
public static class UserInfoDPoP
{
    private const string PresentedAsDPoPProperty = ".redisjwt_userinfo_dpop";
    private const string TokenBoundProperty = ".redisjwt_userinfo_dpop_bound";

    public sealed class ExtractToken : IOpenIddictServerHandler<ExtractUserInfoRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; }
            = OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractUserInfoRequestContext>()
                .UseSingletonHandler<ExtractToken>()
                // Once OpenIddict has looked for a Bearer token (and found none).
                .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractAccessToken<ExtractUserInfoRequestContext>.Descriptor.Order + 100)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ExtractUserInfoRequestContext context)
        {
            if (context.Request is { AccessToken: null } request
                && DPoPBindingRule.TokenFrom(context.Transaction.GetHttpRequest()?.Headers.Authorization) is { } token)
            {
                request.AccessToken = token;
                context.Transaction.Properties[PresentedAsDPoPProperty] = true;
            }

            return default;
        }
    }

    public sealed class CheckBinding(DPoPProofValidator proofs) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; }
            = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<CheckBinding>()
                // Before OpenIddict's own proof-of-possession step, which throws on a jkt.
                .SetOrder(OpenIddictServerHandlers.Protection.ValidateProofOfPossession.Descriptor.Order - 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.EndpointType is not OpenIddictServerEndpointType.UserInfo || context.Principal is not { } principal
                || context.Transaction.GetHttpRequest() is not { } request)
            {
                return;
            }

            var verdict = await DPoPBindingRule.CheckAsync(proofs, request, context.Token, principal,
                context.Transaction.Properties.ContainsKey(PresentedAsDPoPProperty), context.CancellationToken);
            if (verdict.TokenBound)
            {
                context.Transaction.Properties[TokenBoundProperty] = true;
            }

            if (verdict.Error is { } error)
            {
                context.Reject(error: error == Errors.ServerError ? Errors.TemporarilyUnavailable : error,
                    description: verdict.ErrorDescription);
                return;
            }

            context.DisableProofOfPossessionValidation = verdict.TokenBound && !verdict.CertificateBound;
        }
    }

    public sealed class AnswerInDPoPScheme : IOpenIddictServerHandler<ApplyUserInfoResponseContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; }
            = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyUserInfoResponseContext>()
                .UseSingletonHandler<AnswerInDPoPScheme>()
                // Right after OpenIddict has written its Bearer challenge.
                .SetOrder(OpenIddictServerAspNetCoreHandlers.AttachWwwAuthenticateHeader<ApplyUserInfoResponseContext>.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ApplyUserInfoResponseContext context)
        {
            if (string.IsNullOrEmpty(context.Error) || context.Transaction.GetHttpRequest()?.HttpContext.Response is not { } response)
            {
                return default;
            }

            var properties = context.Transaction.Properties;
            if (properties.ContainsKey(PresentedAsDPoPProperty) || properties.ContainsKey(TokenBoundProperty))
            {
                if (context.Error == DPoPBindingRule.InvalidProofError)
                {
                    response.StatusCode = StatusCodes.Status401Unauthorized; // RFC 9449 7.1
                }

                response.Headers.WWWAuthenticate = DPoPBindingRule.Challenge(ChallengeParameters(context));
            }
            else if (context.Request?.AccessToken is null)
            {
                // No token at all: either scheme would do.
                response.Headers.Append(HeaderNames.WWWAuthenticate, DPoPBindingRule.Challenge([]));
            }

            return default;
        }

        private static IEnumerable<KeyValuePair<string, string>> ChallengeParameters(ApplyUserInfoResponseContext context) =>
            new[] { (Parameters.Error, context.Response.Error), (Parameters.ErrorDescription, context.Response.ErrorDescription) }
                .Where(parameter => !string.IsNullOrEmpty(parameter.Item2))
                .Select(parameter => new KeyValuePair<string, string>(parameter.Item1, parameter.Item2!));
    }
}
