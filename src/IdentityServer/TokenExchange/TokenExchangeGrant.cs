using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DPoP;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.Revocation;
using RedisJwt.Revocation.DPoP;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.TokenExchange;

/// <summary>
/// The token-exchange grant (RFC 8693) for delegation, every rule in one place. OpenIddict has checked by now that the
/// client is authenticated and holds the grant, that the subject (and any actor) token is an unexpired access token
/// of this server whose row is not revoked, and that requested_token_type is access_token. Here: the subject token was
/// sent to the API this client is, is not revoked in Redis, and its user and session are live (the exchanged token
/// joins the session and the family, so ending either revokes it); the target is one API the client may exchange
/// towards; the scopes are the subject's, never wider, and only the target's; the lifetime ends by the subject's; and
/// <c>act</c> names the client, any earlier actor nested inside (RFC 8693 4.1).
/// </summary>
public sealed class TokenExchangeGrant(IOpenIddictApplicationManager applications, ResourceIndicators indicators,
    RevocationView revocations, SessionStore sessions, SignInManager<ApplicationUser> signIns,
    IOptions<OpenIddictServerOptions> server, TimeProvider clock)
{
    /// <summary>RFC 8693 4.1: the actor claim, a JSON object naming who acts (its <c>sub</c>), nesting earlier actors.</summary>
    public const string ActorClaim = "act";

    // What of the subject token the exchanged one carries: who and which sign-in (sid, aid: its session and family, so
    // the token is revoked with them), and what resource servers authorize on. Never its cnf, jti, client_id or act.
    private static readonly string[] CarriedClaims = [Claims.Subject, SessionClaims.SessionId, TokenFacts.FamilyClaim,
        Claims.Name, Claims.Role, Claims.AuthenticationContextReference, Claims.AuthenticationTime];

    public async Task<IResult> HandleAsync(HttpContext context, OpenIddictRequest request)
    {
        var clientId = request.ClientId!;
        var application = await applications.FindByClientIdAsync(clientId)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        var ticket = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var subject = ticket.Principal!;
        var actor = ticket.Properties?.GetParameter<ClaimsPrincipal>(OpenIddictServerAspNetCoreConstants.Properties.ActorTokenPrincipal);

        // A public client holds nothing that proves it is the API the token was sent to (RFC 8693 2.1: client authentication).
        if (!await applications.HasClientTypeAsync(application, ClientTypes.Confidential))
        {
            return Refuse(Errors.UnauthorizedClient, "Only a confidential client may exchange tokens.");
        }

        if (!subject.HasTokenType(TokenTypeIdentifiers.AccessToken))
        {
            return Refuse(Errors.InvalidGrant, "The subject_token must be an access token.");
        }

        // An API exchanges only the tokens it was sent: one for another API could be exchanged by that API alone.
        if (await ClientProperties.ResourceAsync(applications, application) is not { } ownResource || !subject.HasAudience(ownResource))
        {
            return Refuse(Errors.InvalidGrant, "The subject_token was not issued to the API this client is.");
        }

        // RFC 9449: a sender-constrained subject token yields a sender-constrained one. The client cannot prove the
        // user's key (its caller holds it), so the exchanged token is bound to the client's own key, never a bearer
        // token that whoever obtains it may use.
        if (subject.HasClaim(claim => claim.Type == DPoPConfirmation.ClaimType)
            && (context.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction is not { } transaction
                || DPoPBinding.ProvedKey(transaction) is null))
        {
            return Refuse(DPoPBindingRule.InvalidProofError,
                "The subject_token is bound to a DPoP key: send a DPoP proof of your own, so the exchanged token is bound too.");
        }

        if (actor is not null && actor.GetClaim(Claims.Subject) != clientId)
        {
            return Refuse(Errors.InvalidGrant, "The actor_token must be this client's own token (its sub the client_id).");
        }

        var target = await TargetAsync(request, application);
        if (!target.IsSuccess)
        {
            return Refuse(Errors.InvalidTarget, target.Refusal);
        }

        var scopes = await ScopesAsync(request, subject.GetScopes(), target.Resource);
        if (scopes.Refusal is not null)
        {
            return Refuse(Errors.InvalidScope, scopes.Refusal);
        }

        if (await LiveRefusalAsync(subject, actor, clientId) is { } dead)
        {
            return dead;
        }

        var remaining = subject.GetExpirationDate() - clock.GetUtcNow();
        if (remaining is not { } left || left <= TimeSpan.Zero)
        {
            return Refuse(Errors.InvalidGrant, "The subject_token has expired.");
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.AddClaims(subject.Claims.Where(claim => CarriedClaims.Contains(claim.Type))
            .Select(claim => new Claim(claim.Type, claim.Value, claim.ValueType)));
        identity.SetClaim(ActorClaim, Actor(clientId, subject));
        identity.SetScopes(scopes.Granted);
        identity.SetResources(target.Resource);
        identity.SetAuthorizationId(subject.GetAuthorizationId() ?? subject.GetClaim(TokenFacts.FamilyClaim));
        // Never beyond the subject token's exp: delegation does not extend what the user granted.
        identity.SetAccessTokenLifetime(left < server.Value.AccessTokenLifetime ? TimeSpan.FromSeconds(Math.Floor(left.TotalSeconds))
            : server.Value.AccessTokenLifetime);
        // Every claim here was in the subject access token already: into the new access token, nowhere else.
        identity.SetDestinations(_ => [Destinations.AccessToken]);

        return TypedResults.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>RFC 8693 4.1: <c>{"sub": client}</c>, with the subject token's own act (an earlier delegation) nested in it.</summary>
    private static JsonObject Actor(string clientId, ClaimsPrincipal subject)
    {
        var actor = new JsonObject { [Claims.Subject] = clientId };
        if (subject.GetClaim(ActorClaim) is { Length: > 0 } earlier && JsonNode.Parse(earlier) is JsonObject nested)
        {
            actor[ActorClaim] = nested;
        }

        return actor;
    }

    private readonly record struct Target(string Resource, string Refusal)
    {
        public bool IsSuccess => Resource.Length > 0;
    }

    // RFC 8693 2.1: resource and audience both name the target; ours are the same identifiers. One per token, as
    // at every token request (ResourceIndicators), and one the client is registered to exchange towards.
    private async Task<Target> TargetAsync(OpenIddictRequest request, object application)
    {
        var named = request.GetResources().Concat(request.GetAudiences()).Distinct(StringComparer.Ordinal).ToList();
        if (named is not [var target])
        {
            return new("", named.Count == 0
                ? "Name the API the token is for with resource or audience (RFC 8693 2.1)."
                : "A token exchange names one API (resource or audience) at most.");
        }

        return (await ClientProperties.ExchangeAudiencesAsync(applications, application)).Contains(target, StringComparer.Ordinal)
            ? new(target, "")
            : new("", $"This client may not exchange tokens for \"{target}\".");
    }

    private readonly record struct Scopes(ImmutableArray<string> Granted, string? Refusal);

    // The requested scopes (all the subject's when none are named) must all be the subject's (RFC 8693 2.1: never
    // wider) and of the target API; a token for an API carries only that API's scopes (RFC 8707 2.2).
    private async Task<Scopes> ScopesAsync(OpenIddictRequest request, ImmutableArray<string> subjectScopes, string target)
    {
        var requested = request.GetScopes();
        if (requested.FirstOrDefault(scope => !subjectScopes.Contains(scope, StringComparer.Ordinal)) is { } wider)
        {
            return new([], $"The subject_token does not grant \"{wider}\": an exchanged token is never wider than it.");
        }

        var granted = await indicators.TokenScopesAsync(requested.IsEmpty ? subjectScopes : requested, [target]);
        if (!requested.IsEmpty && requested.FirstOrDefault(scope => !granted.Contains(scope, StringComparer.Ordinal)) is { } elsewhere)
        {
            return new([], $"\"{elsewhere}\" is not a scope of \"{target}\".");
        }

        return granted.IsEmpty
            ? new([], $"The subject_token grants no scope of \"{target}\".")
            : new(granted, null);
    }

    // Revoked in Redis (the jti, its session, family or user), or its user or session gone: nothing new from it. The
    // session records this client and the family as for any token issued in it (SessionStore.RecordIssuanceAsync).
    private async Task<IResult?> LiveRefusalAsync(ClaimsPrincipal subject, ClaimsPrincipal? actor, string clientId)
    {
        if (subject.GetClaim(Claims.Subject) is not { } userId || subject.GetClaim(SessionClaims.SessionId) is not { } sid)
        {
            return Refuse(Errors.InvalidGrant, "Only a user's access token, from a sign-in session, can be exchanged.");
        }

        try
        {
            foreach (var token in actor is null ? [subject] : new[] { subject, actor })
            {
                switch (await revocations.CheckAsync(TokenFacts.Of(token)))
                {
                    case RevocationStatus.Revoked:
                        return Refuse(Errors.InvalidGrant, $"The {(token == subject ? "subject_token" : "actor_token")} has been revoked.");
                    case RevocationStatus.Unknown:
                        return Refuse(Errors.TemporarilyUnavailable, "Revocations cannot be checked right now; retry shortly.");
                }
            }

            if (await signIns.UserManager.FindByIdAsync(userId) is not { } user || !await signIns.CanSignInAsync(user))
            {
                return Refuse(Errors.InvalidGrant, "The user is no longer allowed to sign in.");
            }

            return await sessions.RecordIssuanceAsync(userId, sid, clientId, subject.GetAuthorizationId() ?? subject.GetClaim(TokenFacts.FamilyClaim))
                ? null
                : Refuse(Errors.InvalidGrant, "The user's sign-in session has ended.");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return Refuse(Errors.TemporarilyUnavailable, "Sessions cannot be checked right now; retry shortly.");
        }
    }

    private static IResult Refuse(string error, string description) => OAuthErrors.Forbid(error, description);
}
