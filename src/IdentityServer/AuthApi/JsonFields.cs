using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>Field errors of a JSON body, named as the client sent the fields (its JSON property names).</summary>
public static class JsonFields
{
    /// <returns>A 400 naming each field that breaks its attributes, or null when none does.</returns>
    public static ValidationProblem? Validate(object input)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(input, new ValidationContext(input), results, validateAllProperties: true)
            ? null
            : Problem(input.GetType(), results
                .GroupBy(result => result.MemberNames.FirstOrDefault() ?? "")
                .ToDictionary(group => group.Key, group => group.Select(result => result.ErrorMessage ?? "Invalid.").ToArray()));
    }

    /// <summary>A 400 for errors keyed by property name of <paramref name="type"/>.</summary>
    public static ValidationProblem Problem(Type type, IReadOnlyDictionary<string, string[]> errorsByProperty) =>
        TypedResults.ValidationProblem(errorsByProperty.ToDictionary(error => NameOf(type, error.Key), error => error.Value));

    private static string NameOf(Type type, string property) =>
        property.Length == 0 ? "body"
        : type.GetProperty(property)?.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? JsonNamingPolicy.CamelCase.ConvertName(property);
}
