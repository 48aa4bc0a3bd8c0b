using System.Text.Json;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// Reads a JSON request body, turning every way it can be wrong into a problem-details answer instead of an
/// exception: wrong media type (415), too large (413), malformed or mistyped JSON or text that cannot be stored (400
/// naming the field, see <see cref="StorableStringConverter"/>), a body cut short (400).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, JsonBodyProblem? Problem)> ReadAsync<T>(HttpRequest request, long maxBytes) where T : class
    {
        var (value, problem) = await ReadOrRefuseAsync<T>(request, maxBytes);
        return (value, problem is null ? null : new JsonBodyProblem(problem));
    }

    private static async Task<(T? Value, IResult? Problem)> ReadOrRefuseAsync<T>(HttpRequest request, long maxBytes) where T : class
    {
        // Declared too large: refuse before reading. A body without a length (chunked) is cut off at the same size
        // by the server while it is read (413 below).
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge());
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit
            && (limit.MaxRequestBodySize is null || limit.MaxRequestBodySize > maxBytes))
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "The request body must be JSON (Content-Type: application/json)."));
        }

        // JSON exchanged between systems is UTF-8 (RFC 8259 8.1); any other charset would make the reader throw.
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.Charset.HasValue && !mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "The request body must be UTF-8 encoded JSON (charset=utf-8, or no charset)."));
        }

        try
        {
            var value = await request.ReadFromJsonAsync<T>(request.HttpContext.RequestAborted);
            return value is null
                ? (null, FieldProblem("body", "Required: a JSON object."))
                : (value, null);
        }
        catch (JsonException exception)
        {
            // Path is like "$.title" when a field has the wrong type, "$" when the document itself is broken.
            var field = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            return (null, FieldProblem(field, exception is UnstorableJsonStringException ? exception.Message
                : field == "body" ? "Not valid JSON." : "Not valid JSON here, or not the expected type."));
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel's: larger than the limit while read (413), shorter than its Content-Length (400), too slow (408).
            return (null, exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge()
                : TypedResults.Problem(statusCode: exception.StatusCode, detail: "The request body could not be read."));
        }
    }

    private static IResult TooLarge() =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: "The request body is too large.");

    public static IResult FieldProblem(string field, string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [error] });
}

/// <summary>
/// Why <see cref="JsonBody.ReadAsync"/> refused a body: 400 naming the field, or 413, 415 (problem details). A result
/// type of its own, so that an endpoint can declare it among its <c>Results&lt;...&gt;</c>.
/// </summary>
public sealed class JsonBodyProblem : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    /// <summary>What an endpoint reading a JSON body may answer besides its own results, for its OpenAPI description.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        foreach (var status in (int[])[StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType])
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
        }
    }

    private readonly IResult _problem;

    internal JsonBodyProblem(IResult problem) => _problem = problem;

    public int? StatusCode => (_problem as IStatusCodeHttpResult)?.StatusCode;

    public Task ExecuteAsync(HttpContext httpContext) => _problem.ExecuteAsync(httpContext);
}
