namespace RedisJwt.Testing;

/// <summary>
/// The real PostgreSQL, Redis and Redis Cluster servers test.sh starts. A missing server fails the tests; it never skips them.
/// </summary>
public static class TestServers
{
    public static string PostgresAdmin => Require("REDISJWT_TEST_POSTGRES",
        "an Npgsql connection string to a PostgreSQL server whose user may create databases");

    public static string Redis => Require("REDISJWT_TEST_REDIS", "a StackExchange.Redis connection string");

    /// <summary>A Redis Cluster (several masters), for the tests that every multi-key operation stays in one hash slot.</summary>
    public static string RedisCluster => Require("REDISJWT_TEST_REDIS_CLUSTER",
        "a StackExchange.Redis connection string to the nodes of a Redis Cluster with several masters");

    private static string Require(string variable, string what) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: it must hold {what}. Run the tests with ./test.sh.");
}
