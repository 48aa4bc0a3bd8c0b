using System.Collections;
using System.Reflection;
using RedisJwt.BoardApi;
using RedisJwt.IdentityServer;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// docs/configuration.md names every setting the code binds, with its environment variable. Here because this is the
/// test project that sees both services and the shared libraries.
/// </summary>
public sealed class ConfigurationReferenceTests
{
    private static readonly Assembly[] Services =
        [typeof(IdentityServerMarker).Assembly, typeof(BoardApiMarker).Assembly, typeof(RedisKeys).Assembly, typeof(RevocationOptions).Assembly];

    // Sections bound per name rather than as one object: the placeholder stands for the name.
    private static readonly Dictionary<string, string> NamedSections = new() { ["RateLimits:Policies"] = "RateLimits:Policies:<policy>" };

    [Fact]
    public void EverySettingOfEveryOptionsClass_DocumentedWithItsEnvironmentVariable()
    {
        var reference = File.ReadAllText(Repository.PathOf("docs", "configuration.md"));
        var settings = Services.SelectMany(assembly => assembly.GetTypes())
            .Select(type => (type, section: type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(entry => entry.section is not null)
            .SelectMany(entry => Settings(NamedSections.GetValueOrDefault(entry.section!, entry.section!), entry.type))
            .Distinct()
            .ToList();

        Assert.Contains("Credentials:KeyPropagationTime", settings);
        Assert.Contains("Seed:Clients:<client_id>:GrantTypes:<n>", settings);
        var missing = settings.Where(setting => !reference.Contains($"| `{setting}` | `{setting.Replace(":", "__")}` |")).ToList();
        Assert.True(missing.Count == 0, $"Not in docs/configuration.md (setting | environment variable | ...): {string.Join(", ", missing)}");
    }

    // The keys configuration binding would read for type's public settable properties, nested types and collections included.
    private static IEnumerable<string> Settings(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = $"{prefix}:{property.Name}";
            var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(valueType))
            {
                yield return key;
            }
            else if (valueType.IsGenericType && valueType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                foreach (var setting in Element($"{key}:{Placeholder(property.Name)}", valueType.GetGenericArguments()[1]))
                {
                    yield return setting;
                }
            }
            else if (valueType.IsGenericType && typeof(IEnumerable).IsAssignableFrom(valueType))
            {
                foreach (var setting in Element($"{key}:<n>", valueType.GetGenericArguments()[0]))
                {
                    yield return setting;
                }
            }
            else
            {
                foreach (var setting in Settings(key, valueType))
                {
                    yield return setting;
                }
            }
        }
    }

    private static IEnumerable<string> Element(string key, Type type) => IsScalar(type) ? [key] : Settings(key, type);

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Uri) || type == typeof(TimeSpan)
        || type == typeof(DateOnly) || type == typeof(decimal);

    private static string Placeholder(string dictionary) => dictionary switch
    {
        "Clients" => "<client_id>",
        "ApiScopes" => "<scope>",
        "LockTimes" => "<kind>",
        _ => "<name>",
    };
}
