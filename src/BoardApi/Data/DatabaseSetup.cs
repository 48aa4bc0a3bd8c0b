using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.BoardApi.Data;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "BoardDb";

    public static IHostApplicationBuilder AddBoardDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDatabase<BoardDbContext>(ConnectionStringName);
}
