using Microsoft.Extensions.Primitives;

namespace RedisJwt.IdentityServer.Connect;

public static class FormRepost
{
    private const string AntiforgeryField = "__RequestVerificationToken";

    /// <summary>
    /// The OpenID Connect request's parameters (query or form), to post back as hidden fields with the user's answer,
    /// minus the answers' own fields and the antiforgery token.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, StringValues>> RequestParameters(HttpRequest request, params string[] answerFields) =>
        (request.HasFormContentType ? request.Form : (IEnumerable<KeyValuePair<string, StringValues>>)request.Query)
        .Where(parameter => !answerFields.Contains(parameter.Key) && parameter.Key != AntiforgeryField);

    /// <summary>
    /// A parameter this server added to the authorization request it sends the browser back to (a sign-in marker, a
    /// declined second factor), read from the HTTP request itself: for a pushed request (RFC 9126) OpenIddict's
    /// request holds the pushed parameters only, not those beside the request_uri.
    /// </summary>
    public static string? OwnParameter(HttpRequest request, string name) =>
        (request.HasFormContentType ? request.Form[name] : request.Query[name]) is { Count: > 0 } values ? values.ToString() : null;
}
