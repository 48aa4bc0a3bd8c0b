using Npgsql;
using StackExchange.Redis;

namespace RedisJwt.Testing;

/// <summary>The two services, each with its own PostgreSQL role and Redis user (least rights).</summary>
public enum Service
{
    IdentityServer,
    BoardApi,
}

/// <summary>
/// The real PostgreSQL, Redis and Redis Cluster servers test.sh starts. A missing server fails the tests; it never skips them.
/// Services connect as their own role and user, as deployed, so a right they lack fails a test; the tests themselves
/// (databases made and dropped, assertions on Redis, cleanup) use the superuser and Redis's admin user.
/// </summary>
public static class TestServers
{
    /// <summary>The administrator of deploy/redis/users.acl.template: the default user, with a password.</summary>
    public const string RedisAdminUser = "default";

    public static string PostgresAdmin => Require("REDISJWT_TEST_POSTGRES",
        "an Npgsql connection string to a PostgreSQL server whose user may create databases and roles");

    /// <summary>The service's login role, without a database: it owns the test databases made for it.</summary>
    public static string PostgresRole(Service service) => service switch
    {
        Service.IdentityServer => Require("REDISJWT_TEST_POSTGRES_IDENTITY", "an Npgsql connection string of the IdentityServer's role"),
        _ => Require("REDISJWT_TEST_POSTGRES_BOARD", "an Npgsql connection string of BoardApi's role"),
    };

    /// <summary>The service's role connected to <paramref name="database"/>.</summary>
    public static string Postgres(Service service, string database) =>
        new NpgsqlConnectionStringBuilder(PostgresRole(service)) { Database = database }.ConnectionString;

    /// <summary>The administrator: every right, for assertions and cleanup.</summary>
    public static string Redis => Require("REDISJWT_TEST_REDIS", "a StackExchange.Redis connection string of the administrator");

    /// <summary>The service's own Redis user on the test Redis.</summary>
    public static string RedisAs(Service service) => WithUser(Redis, service);

    /// <summary>A Redis Cluster (several masters), for the tests that every multi-key operation stays in one hash slot. Admin.</summary>
    public static string RedisCluster => Require("REDISJWT_TEST_REDIS_CLUSTER",
        "a StackExchange.Redis connection string of the administrator to the nodes of a Redis Cluster with several masters");

    public static string RedisClusterAs(Service service) => WithUser(RedisCluster, service);

    public static string RedisUser(Service service) => service switch
    {
        Service.IdentityServer => "identity-server",
        _ => "board-api",
    };

    /// <summary>
    /// The password test.sh gave a Redis user, from the variables deploy/redis/render-users-acl.sh reads (so that a Redis
    /// a test starts itself, <see cref="RedisProcess"/>, has the same users).
    /// </summary>
    public static string RedisPassword(string user) => user switch
    {
        RedisAdminUser => Require("REDIS_ADMIN_PASSWORD", "the Redis administrator's (default user's) password"),
        "identity-server" => Require("REDIS_IDENTITY_SERVER_PASSWORD", "the Redis identity-server user's password"),
        "board-api" => Require("REDIS_BOARD_API_PASSWORD", "the Redis board-api user's password"),
        _ => throw new ArgumentOutOfRangeException(nameof(user), user, "not a user of deploy/redis/users.acl.template"),
    };

    /// <summary><paramref name="connectionString"/> with another user of the same Redis.</summary>
    public static string WithUser(string connectionString, Service service) => WithUser(connectionString, RedisUser(service));

    /// <summary><paramref name="connectionString"/> as the administrator.</summary>
    public static string WithAdmin(string connectionString) => WithUser(connectionString, RedisAdminUser);

    private static string WithUser(string connectionString, string user)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.User = user;
        options.Password = RedisPassword(user);
        return options.ToString(includePassword: true);
    }

    private static string Require(string variable, string what) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: it must hold {what}. Run the tests with ./test.sh.");
}
