using RedisJwt.Revocation.DPoP;
using System.Diagnostics.Metrics;
using OpenIddict.Validation;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.BoardApi.Auth;

/// <summary>
/// Meter <c>RedisJwt.BoardApi</c>: access tokens accepted (redisjwt.tokens.validated) and requests refused with 401
/// by reason (redisjwt.tokens.rejected). A refused token is counted where the 401 is written (the challenge), since
/// OpenIddict stops its authentication events at the first rejection; a request that needs no token is not counted.
/// </summary>
public sealed class TokenValidationMetrics
{
    public const string MeterName = "RedisJwt.BoardApi";

    private readonly Counter<long> _validated;
    private readonly Counter<long> _rejected;

    public TokenValidationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _validated = meter.CreateCounter<long>("redisjwt.tokens.validated", unit: "{token}",
            description: "Access tokens accepted (signature, issuer, audience, lifetime, revocation all checked).");
        _rejected = meter.CreateCounter<long>("redisjwt.tokens.rejected", unit: "{request}",
            description: "Requests answered 401 for their access token, by reason.");
    }

    public void Validated() => _validated.Add(1);

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>
    /// A low-cardinality reason for a rejection: revocation says so on the transaction; OpenIddict names its causes
    /// by the ID at the end of error_uri (https://documentation.openiddict.com/errors/ID2019 ...); our own check by its
    /// description.
    /// </summary>
    public static string Reason(bool revoked, string? error, string? description, string? uri) =>
        error switch
        {
            null or Errors.MissingToken => "missing",
            Errors.ServerError or Errors.TemporarilyUnavailable => "unavailable",
            _ when revoked => "revoked",
            DPoPBindingRule.InvalidProofError => "invalid_dpop_proof",
            _ when description == RequireSubject.Description => "no_subject",
            _ => uri?[(uri.LastIndexOf('/') + 1)..] switch
            {
                "ID2019" => "expired",
                "ID2090" => "unknown_key",
                "ID2091" => "invalid_signature",
                "ID2088" => "wrong_issuer",
                "ID2093" or "ID2094" => "wrong_audience",
                "ID2089" => "wrong_type",
                _ => "invalid",
            },
        };
}

/// <summary>Counts a token that passed every check: the last step of OpenIddict's authentication.</summary>
public sealed class CountValidatedTokens(TokenValidationMetrics metrics) : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<CountValidatedTokens>()
            .SetOrder(OpenIddictValidationHandlers.ValidateAccessToken.Descriptor.Order + 100_000)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.AccessTokenPrincipal is not null)
        {
            metrics.Validated();
        }

        return default;
    }
}

/// <summary>
/// Counts a 401 by the reason authentication failed, read from the authentication result before
/// <see cref="ChallengeErrors"/> rewrites the missing-token error.
/// </summary>
public sealed class CountRejectedTokens(TokenValidationMetrics metrics) : IOpenIddictValidationHandler<ProcessChallengeContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .UseSingletonHandler<CountRejectedTokens>()
            .SetOrder(ChallengeErrors.Descriptor.Order - 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessChallengeContext context)
    {
        var authentication = context.Transaction.GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!);
        metrics.Rejected(authentication is { IsRejected: true }
            ? TokenValidationMetrics.Reason(context.Transaction.WasRevoked(), authentication.Error, authentication.ErrorDescription, authentication.ErrorUri)
            : TokenValidationMetrics.Reason(context.Transaction.WasRevoked(), context.Response.Error, context.Response.ErrorDescription, context.Response.ErrorUri));
        return default;
    }
}
