namespace RedisJwt.IdentityServer.Clients;

public static class SeedingSetup
{
    public static async Task SeedAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ClientSeeder>().SeedAsync();
    }
}
