using System.Security.Claims;
using System.Text.Json;
using OpenIddict.Abstractions;

namespace Notifications;

public sealed record Notification(string Text);

/// <summary>
/// The user's notifications, and who asked for them: <c>Actor</c> is the token's <c>act</c> (RFC 8693 4.1), the API
/// acting for the user (its <c>sub</c>, earlier actors nested), or null when the user's own client called.
/// </summary>
public sealed record NotificationsPage(string User, JsonElement? Actor, IReadOnlyList<Notification> Notifications);

/// <summary>GET /notifications, for a token carrying <c>Api:ReadScope</c>.</summary>
public static class NotificationsEndpoint
{
    private const string ReadPolicy = "notifications.read";

    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        var readScope = builder.Configuration["Api:ReadScope"] ?? "notifications.read";
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.RequireAssertion(context => context.User.HasScope(readScope)));
        return builder;
    }

    public static WebApplication MapNotifications(this WebApplication app)
    {
        app.MapGet("/notifications", (ClaimsPrincipal user) => TypedResults.Ok(new NotificationsPage(
                user.GetClaim(OpenIddictConstants.Claims.Subject)!,
                user.GetClaim("act") is { } act ? JsonDocument.Parse(act).RootElement.Clone() : null,
                [new Notification("Someone replied to your post.")])))
            .RequireAuthorization(ReadPolicy);
        return app;
    }
}
