using Microsoft.AspNetCore;
using OpenIddict.Validation;
using static OpenIddict.Validation.AspNetCore.OpenIddictValidationAspNetCoreHandlerFilters;
using static OpenIddict.Validation.AspNetCore.OpenIddictValidationAspNetCoreHandlers;
using static OpenIddict.Validation.OpenIddictValidationEvents;
using static OpenIddict.Validation.OpenIddictValidationHandlerFilters;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// Reads the access token from <c>Authorization: DPoP &lt;token&gt;</c> (RFC 9449 7.1), which OpenIddict does not: it
/// knows only <c>Bearer</c>. Notes in the transaction that the DPoP scheme was used.
/// </summary>
internal sealed class DPoPTokenExtraction : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<RequireHttpRequest>()
            .AddFilter<RequireAccessTokenExtracted>()
            .AddFilter<RequireAccessTokenExtractionFromAuthorizationHeaderEnabled>()
            .UseSingletonHandler<DPoPTokenExtraction>()
            // Just before OpenIddict's own, which leaves a token already found alone.
            .SetOrder(ExtractAccessTokenFromAuthorizationHeader.Descriptor.Order - 100)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        // Introspection mode never runs the token validation the binding is checked in: a DPoP token is not taken at all.
        if (context.Options.ValidationType == OpenIddictValidationType.Introspection)
        {
            return default;
        }

        if (string.IsNullOrEmpty(context.AccessToken)
            && DPoPBindingRule.TokenFrom(context.Transaction.GetHttpRequest()?.Headers.Authorization) is { } token)
        {
            context.AccessToken = token;
            context.Transaction.DPoP().PresentedAsDPoP = true;
        }

        return default;
    }
}

/// <summary>What the DPoP handlers learn about one request, for the challenge to answer in the right scheme.</summary>
internal sealed class DPoPRequest
{
    /// <summary>The access token came as <c>Authorization: DPoP</c>.</summary>
    public bool PresentedAsDPoP { get; set; }

    /// <summary>The access token names a DPoP key (<c>cnf.jkt</c>).</summary>
    public bool TokenBound { get; set; }
}

internal static class DPoPTransaction
{
    private static readonly string Property = typeof(DPoPRequest).FullName!;

    public static DPoPRequest DPoP(this OpenIddictValidationTransaction transaction)
    {
        if (transaction.GetProperty<DPoPRequest>(Property) is not { } request)
        {
            request = new DPoPRequest();
            transaction.SetProperty(Property, request);
        }

        return request;
    }
}
