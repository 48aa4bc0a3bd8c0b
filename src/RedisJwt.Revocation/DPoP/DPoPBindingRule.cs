using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// What a protected resource decides about a validated access token and the way it came (RFC 9449 7), in one place for
/// every API that takes tokens: this library's validation handlers, and an authorization server's own userinfo endpoint.
/// </summary>
public static class DPoPBindingRule
{
    /// <summary>RFC 9449 7.1: the error for a missing, invalid or replayed proof.</summary>
    public const string InvalidProofError = "invalid_dpop_proof";

    private static readonly string Algorithms = string.Join(' ', DPoPProofValidator.Algorithms);

    private const string Prefix = DPoPProofValidator.Scheme + " ";

    /// <summary>The token of an <c>Authorization: DPoP &lt;token&gt;</c> header (RFC 9449 7.1), else null.</summary>
    public static string? TokenFrom(string? authorization) =>
        // Scheme names are case-insensitive (RFC 9110 11.1).
        authorization is not null && authorization.Length > Prefix.Length && authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[Prefix.Length..]
            : null;

    /// <summary>
    /// Checks <paramref name="accessToken"/> (already validated, its claims in <paramref name="principal"/>) against how it
    /// came: a token bound to a key (<c>cnf.jkt</c>) only as <c>Authorization: DPoP</c> with a valid, unused proof of
    /// that key made for this request and this token; an unbound token only as <c>Bearer</c>.
    /// </summary>
    public static async ValueTask<DPoPBindingVerdict> CheckAsync(DPoPProofValidator proofs, HttpRequest request,
        string accessToken, ClaimsPrincipal principal, bool presentedAsDPoP, CancellationToken cancellationToken = default)
    {
        var (thumbprint, certificateBound) = DPoPConfirmation.Read(principal);
        if (thumbprint is null)
        {
            // RFC 9449 7.2 leaves open whether a bearer token may come as DPoP; refused, so that the scheme always says
            // what the token is, and a client that thinks its token is bound learns at once that it is not. A proof sent
            // beside a bearer token is ignored (RFC 9449 7.2 allows it).
            return presentedAsDPoP
                ? new(Errors.InvalidToken, "The access token is not bound to a DPoP key; present it with the Bearer scheme.", false, certificateBound)
                : new(null, null, false, certificateBound);
        }

        if (!presentedAsDPoP)
        {
            // RFC 9449 7.2: a bound token downgraded to Bearer is what a thief without the key would send.
            return new(Errors.InvalidToken, "The access token is bound to a DPoP key; present it with the DPoP scheme and a DPoP proof.",
                true, certificateBound);
        }

        var proof = await proofs.ValidateAsync(request, accessToken, thumbprint, cancellationToken);
        return proof.Status switch
        {
            DPoPProofStatus.Valid => new(null, null, true, certificateBound),
            DPoPProofStatus.Unavailable => new(Errors.ServerError, proof.ErrorDescription, true, certificateBound),
            _ => new(InvalidProofError, proof.ErrorDescription, true, certificateBound),
        };
    }

    /// <summary>
    /// A <c>DPoP</c> challenge (RFC 9449 7.1) with <paramref name="parameters"/> (realm, error, error_description...)
    /// and <c>algs</c>, the proof algorithms accepted; values quoted (RFC 9110 11.2).
    /// </summary>
    public static string Challenge(IEnumerable<KeyValuePair<string, string>> parameters) =>
        $"{DPoPProofValidator.Scheme} " + string.Join(", ",
            parameters.Where(parameter => parameter.Key != "algs").Append(new("algs", Algorithms))
                .Select(parameter => $"{parameter.Key}=\"{parameter.Value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\""));
}

/// <summary>What <see cref="DPoPBindingRule.CheckAsync"/> found.</summary>
/// <param name="Error">Null when the token may be used; else invalid_token, invalid_dpop_proof, or server_error (the
/// proofs already used cannot be known: answer 503).</param>
/// <param name="ErrorDescription">Why, fit for an error_description.</param>
/// <param name="TokenBound">The token names a DPoP key: answer with a DPoP challenge.</param>
/// <param name="CertificateBound">The token is also bound to a client certificate (RFC 8705), for the host to check.</param>
public sealed record DPoPBindingVerdict(string? Error, string? ErrorDescription, bool TokenBound, bool CertificateBound);
