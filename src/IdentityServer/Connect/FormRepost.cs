using Microsoft.Extensions.Primitives;

namespace RedisJwt.IdentityServer.Connect;

public static class FormRepost
{
    private const string AntiforgeryField = "__RequestVerificationToken";

    /// <summary>
    /// The OpenID Connect request's parameters (query or form), to post back as hidden fields with the user's answer,
    /// minus that answer's own field and the antiforgery token.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, StringValues>> RequestParameters(HttpRequest request, string answerField) =>
        (request.HasFormContentType ? request.Form : (IEnumerable<KeyValuePair<string, StringValues>>)request.Query)
        .Where(parameter => parameter.Key != answerField && parameter.Key != AntiforgeryField);
}
