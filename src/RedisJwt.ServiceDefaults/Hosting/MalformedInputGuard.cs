using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// Refuses malformed input before any handler meets it as an exception (a 500): a path, query or form name or value
/// PostgreSQL cannot store (<see cref="StorableText"/>), and a form body the form reader cannot read (not UTF-8, over its
/// limits, broken multipart, cut short), and client credentials in an Authorization: Basic header at an OAuth endpoint
/// that would decode to such text. The form is read here, once; whatever runs later gets the parsed copy. At an
/// OAuth endpoint (<see cref="OAuthEndpointOptions"/>) the answer is invalid_request (RFC 6749 5.2), elsewhere RFC 9457
/// problem details naming the field. JSON bodies are checked as they are read (<see cref="StorableStringConverter"/>).
/// </summary>
public sealed class MalformedInputGuard(RequestDelegate next, IOptions<OAuthEndpointOptions> oauth)
{
    private const string Unstorable = "Contains U+0000 or an unpaired surrogate, which is not accepted.";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isOAuthEndpoint = oauth.Value.Paths.Contains(request.Path);
        var refusal = Check("path", request.Path.Value)
            ?? CheckAll(request.Query)
            ?? (isOAuthEndpoint ? CheckClientCredentials(request) : null)
            ?? (request.HasFormContentType ? await ReadFormAsync(request) : null);
        if (refusal is null)
        {
            await next(context);
            return;
        }

        if (isOAuthEndpoint)
        {
            await OAuthErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request",
                refusal.Field == "body" ? refusal.Detail : $"{refusal.Field}: {refusal.Detail}");
            return;
        }

        await (refusal.StatusCode == StatusCodes.Status400BadRequest
            ? JsonBody.FieldProblem(refusal.Field, refusal.Detail)
            : TypedResults.Problem(statusCode: refusal.StatusCode, detail: refusal.Detail)).ExecuteAsync(context);
    }

    private static async Task<Refusal?> ReadFormAsync(HttpRequest request)
    {
        // RFC 6749 Appendix B and HTML forms: UTF-8. Another charset takes the form reader's other decoding (or throws).
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) && mediaType.Charset.HasValue
            && !mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return new(StatusCodes.Status415UnsupportedMediaType, "body", "A form must be UTF-8 (charset=utf-8, or no charset).");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException exception)
        {
            // The URL decoder refuses %00 (its exception inside), before any field is known; otherwise a broken multipart
            // body, or more or longer fields than FormOptions allow.
            return new(StatusCodes.Status400BadRequest, "body", exception.InnerException is InvalidOperationException
                ? "A form name or value contains %00 (U+0000), which is not accepted."
                : "Not a readable form: malformed, or too many or too long fields.");
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel: larger than the body size limit (413), shorter than its Content-Length (400), too slow (408).
            return new(exception.StatusCode, "body", "The request body could not be read.");
        }
        catch (IOException)
        {
            // A multipart body that ends before its closing boundary.
            return new(StatusCodes.Status400BadRequest, "body", "Not a readable form: it ends early.");
        }

        return CheckAll(form) ?? form.Files.Select(file => Check(file.Name, file.Name) ?? Check(file.Name, file.FileName))
            .FirstOrDefault(refusal => refusal is not null);
    }

    // Client credentials in the Basic scheme are form-urlencoded, then base64 (RFC 6749 2.3.1), and the server decodes
    // both: a %00 there is a NUL in the client_id it looks up. (Not base64, or no colon: the OAuth server's to refuse.)
    private static Refusal? CheckClientCredentials(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var credentials = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            return credentials.Split(':', 2) is [var clientId, var secret]
                ? Check("client_id", Uri.UnescapeDataString(clientId)) ?? Check("client_secret", Uri.UnescapeDataString(secret))
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // Each name, then its values.
    private static Refusal? CheckAll(IEnumerable<KeyValuePair<string, StringValues>> fields) =>
        fields.SelectMany(field => field.Value.Prepend(field.Key).Select(text => Check(field.Key, text)))
            .FirstOrDefault(refusal => refusal is not null);

    private static Refusal? Check(string field, string? value) =>
        value is null || StorableText.IsStorable(value)
            ? null
            : new(StatusCodes.Status400BadRequest, StorableText.Printable(field), Unstorable);

    /// <summary>Why a request is refused: the status outside OAuth endpoints, the field (or "body"), the reason.</summary>
    private sealed record Refusal(int StatusCode, string Field, string Detail);
}

public static class MalformedInputSetup
{
    /// <summary>Strings in JSON bodies read with the HTTP JSON options (<see cref="JsonBody"/>) follow <see cref="StorableText"/>.</summary>
    public static IHostApplicationBuilder AddMalformedInputGuard(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new StorableStringConverter()));
        builder.Services.AddOptions<OAuthEndpointOptions>();
        return builder;
    }

    /// <summary>
    /// <see cref="MalformedInputGuard"/>: after UseExceptionHandler and CORS (so a refusal is readable cross-origin), before
    /// anything that reads the query or the form.
    /// </summary>
    public static IApplicationBuilder UseMalformedInputGuard(this IApplicationBuilder app) => app.UseMiddleware<MalformedInputGuard>();
}
