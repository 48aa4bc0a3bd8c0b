namespace RedisJwt.Revocation.DPoP;

/// <summary>What <see cref="DPoPProofValidator"/> found.</summary>
public enum DPoPProofStatus
{
    /// <summary>The request carries no DPoP header.</summary>
    Absent,

    /// <summary>One proof, valid for this request, seen for the first time.</summary>
    Valid,

    /// <summary>A proof that fails a check (<see cref="DPoPProofResult.ErrorDescription"/> says which), or a replay.</summary>
    Invalid,

    /// <summary>The proof passed every other check, but whether it was used before cannot be known (Redis unreachable): answer 503.</summary>
    Unavailable,
}

/// <summary>
/// The outcome of checking a request's DPoP proof.
/// </summary>
/// <param name="Status">Whether the proof may be accepted.</param>
/// <param name="Thumbprint">The RFC 7638 SHA-256 thumbprint (base64url) of the proof's key, once its signature is verified.</param>
/// <param name="Nonce">The proof's <c>nonce</c> claim, not checked here: a server issuing nonces checks its own.</param>
/// <param name="ErrorDescription">Why it is not <see cref="DPoPProofStatus.Valid"/>, fit for an error_description.</param>
public sealed record DPoPProofResult(DPoPProofStatus Status, string? Thumbprint, string? Nonce, string? ErrorDescription);
