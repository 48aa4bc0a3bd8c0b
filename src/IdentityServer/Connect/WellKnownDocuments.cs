using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OpenIddict.Server;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The discovery document and the JWKS, kept as OpenIddict last wrote them and served with a strong ETag: a resource
/// server or client refreshing them (If-None-Match) gets a 304, and a plain GET is a copy from memory rather than a trip
/// through OpenIddict's pipeline. Both change only when the server's options are rebuilt (the signing key ring's plan
/// changed: a key published ahead, activated or retired), which empties the cache at once on this instance.
/// </summary>
public sealed class WellKnownDocuments : IDisposable
{
    public static readonly string[] Paths = ["/.well-known/openid-configuration", "/.well-known/jwks"];

    // Shared caches may keep a copy, but must ask again each time (RFC 9111 5.2.2.4), which costs a 304 when unchanged.
    public const string CacheControl = "public, no-cache";

    private sealed record Document(byte[] Body, string ContentType, string ETag);

    private readonly ConcurrentDictionary<string, Document> _documents = new(StringComparer.OrdinalIgnoreCase);
    private readonly IDisposable? _subscription;
    private long _generation;

    public WellKnownDocuments(IOptionsMonitor<OpenIddictServerOptions> server) =>
        _subscription = server.OnChange(_ =>
        {
            Interlocked.Increment(ref _generation);
            _documents.Clear();
        });

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            || !Paths.Contains(path, StringComparer.OrdinalIgnoreCase) || context.Request.QueryString.HasValue)
        {
            await next(context);
            return;
        }

        if (!_documents.TryGetValue(path, out var document))
        {
            document = await GenerateAsync(context, next, path);
            if (document is null)
            {
                return;
            }
        }

        await WriteAsync(context, document);
    }

    // OpenIddict writes the document into a buffer; a 200 is kept unless the options changed meanwhile.
    private async Task<Document?> GenerateAsync(HttpContext context, RequestDelegate next, string path)
    {
        var generation = Interlocked.Read(ref _generation);
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
            return null;
        }

        var body = buffer.ToArray();
        var document = new Document(body, context.Response.ContentType ?? "application/json;charset=UTF-8",
            $"\"{Convert.ToBase64String(SHA256.HashData(body)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"");
        if (Interlocked.Read(ref _generation) == generation)
        {
            _documents[path] = document;
        }

        return document;
    }

    private static async Task WriteAsync(HttpContext context, Document document)
    {
        var response = context.Response;
        response.Headers.ETag = document.ETag;
        response.Headers.CacheControl = CacheControl;
        response.Headers.Remove(HeaderNames.Pragma);
        response.Headers.Remove(HeaderNames.Expires);
        if (context.Request.Headers.IfNoneMatch.Any(value => value is not null
            && value.Split(',').Any(tag => tag.Trim() == document.ETag || tag.Trim() == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = document.ContentType;
        response.ContentLength = document.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(document.Body, context.RequestAborted);
        }
    }

    public void Dispose() => _subscription?.Dispose();
}

public static class WellKnownDocumentsSetup
{
    public static IHostApplicationBuilder AddWellKnownDocuments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WellKnownDocuments>();
        return builder;
    }

    /// <summary>Just before UseAuthentication, where OpenIddict answers these requests; after CORS, which the SPA needs.</summary>
    public static IApplicationBuilder UseWellKnownDocuments(this IApplicationBuilder app)
    {
        var documents = app.ApplicationServices.GetRequiredService<WellKnownDocuments>();
        return app.Use((context, next) => documents.InvokeAsync(context, next));
    }
}
