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
}
