using RedisJwt.IdentityServer.Admin;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Sessions;

namespace RedisJwt.IdentityServer.Shared;

public static class PagesSetup
{
    public static IHostApplicationBuilder AddPages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        // Pages sit in their feature folders (Account/, Connect/) rather than under Pages/.
        builder.Services.AddRazorPages(options => options.RootDirectory = "/");
        return builder;
    }


    // JSON APIs: an error without a body gets problem details (RFC 9457), never the HTML error page. The route groups'
    // own prefixes; a test checks that every mapped route is an API, an OAuth endpoint or a page.
    private static readonly string[] ApiPaths = [AuthEndpoints.Prefix, SessionsApi.OwnSessionsPrefix, AdminSetup.ApiPrefix];

    public static bool IsApi(PathString path) => ApiPaths.Any(api => path.StartsWithSegments(api));

    /// <summary>Bodiless error statuses: the error page for people, problem details for the JSON APIs.</summary>
    public static IApplicationBuilder UseErrorPages(this IApplicationBuilder app)
    {
        app.UseWhen(context => IsApi(context.Request.Path), api => api.UseStatusCodePages());
        app.UseWhen(context => !IsApi(context.Request.Path), pages => pages.UseStatusCodePagesWithReExecute("/error"));
        return app;
    }
}
