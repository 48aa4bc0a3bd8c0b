namespace RedisJwt.Testing;

/// <summary>The checkout the tests run from, found as the folder above the test output that holds RedisJwt.sln.</summary>
public static class Repository
{
    private static readonly Lazy<string> Found = new(() =>
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "RedisJwt.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("RedisJwt.sln not found above the tests.");
    });

    public static string Root => Found.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
