using System.Security.Claims;
using OpenIddict.Abstractions;

namespace AcmeNotes;

public sealed record Note(string Title, string Text);

public sealed record NotesPage(string Owner, IReadOnlyList<Note> Notes);

/// <summary>GET /notes: the caller's notes, for a token carrying the scope <c>Api:ReadScope</c>.</summary>
public static class Notes
{
    private const string ReadPolicy = "notes.read";

    public static WebApplicationBuilder AddNotes(this WebApplicationBuilder builder)
    {
        var readScope = builder.Configuration["Api:ReadScope"] ?? throw new InvalidOperationException("Api:ReadScope is required.");
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.RequireAssertion(context => context.User.HasScope(readScope)));
        return builder;
    }

    public static WebApplication MapNotes(this WebApplication app)
    {
        app.MapGet("/notes", (ClaimsPrincipal user) =>
                TypedResults.Ok(new NotesPage(user.GetClaim(OpenIddictConstants.Claims.Subject)!,
                    [new Note("Welcome", "Notes stay here; who you are comes from the IdentityServer.")])))
            .RequireAuthorization(ReadPolicy);
        return app;
    }
}
