namespace RedisJwt.IdentityServer.Clients;

public static class SeedingSetup
{
    public static IHostApplicationBuilder AddClientSeeding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section);
        builder.Services.AddScoped<ClientSeeder>();
        return builder;
    }

    public static async Task SeedAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ClientSeeder>().SeedAsync();
    }
}
