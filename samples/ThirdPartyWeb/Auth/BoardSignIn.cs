using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AcmePlanner.Auth;

/// <summary>
/// "Connect your Board account": the authorization code flow with PKCE as a confidential client, through ASP.NET
/// Core's OpenID Connect handler. The user's tokens are kept in this app's own encrypted session cookie.
/// </summary>
public static class BoardSignIn
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string OidcScheme = OpenIdConnectDefaults.AuthenticationScheme;

    /// <summary>Where the landing page explains what happened (it shows an element with the same id).</summary>
    public const string DeclinedPath = "/?declined=1";
    public const string FailedPath = "/?failed=1";
    public const string EndedPath = "/?ended=1";
    public const string SignedOutPath = "/?signedout=1";

    public static WebApplicationBuilder AddBoardSignIn(this WebApplicationBuilder builder)
    {
        // Read when first needed, so that every configuration source (tests' too) is in; checked at startup.
        builder.Services.AddOptions<OidcSettings>().BindConfiguration(OidcSettings.Section)
            .Validate(settings => !string.IsNullOrWhiteSpace(settings.ClientSecret),
                $"{OidcSettings.Section}:ClientSecret is not set: give it in configuration or as the environment variable {OidcSettings.Section}__ClientSecret.")
            .ValidateOnStart();
        builder.Services.AddOptions<OpenIdConnectOptions>(OidcScheme)
            .Configure<IOptions<OidcSettings>>((options, settings) => Configure(options, settings.Value));

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieScheme;
                options.DefaultChallengeScheme = OidcScheme;
            })
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = "acme_planner";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            })
            .AddOpenIdConnect(OidcScheme, _ => { });

        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UserAccessTokens>();
        return builder;
    }

    private static void Configure(OpenIdConnectOptions options, OidcSettings settings)
    {
        options.Authority = settings.Authority.AbsoluteUri;
        options.RequireHttpsMetadata = !settings.IsLoopbackHttp;
        options.ClientId = settings.ClientId;
        options.ClientSecret = settings.ClientSecret;
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        // The authorization request goes to the server over the back channel, authenticated with the client secret;
        // the browser carries only its request_uri (RFC 9126). Refuse to sign in without it.
        options.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Require;
        // No x-client-SKU / x-client-ver beside it: the library's version is nobody's business.
        options.DisableTelemetry = true;
        // The code comes back on a top-level GET redirect, so the correlation and nonce cookies can be
        // SameSite=Lax, which works over the plain HTTP of the local demo (form_post needs SameSite=None,
        // which browsers accept only on Secure cookies). PKCE and the client secret protect the code.
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

        options.Scope.Clear();
        foreach (var scope in new[] { "openid", "profile", "offline_access", "posts.read", "posts.write" })
        {
            options.Scope.Add(scope);
        }

        options.SaveTokens = true;
        options.GetClaimsFromUserInfoEndpoint = true;
        // Keep the standard claim names (sub, name) rather than the WS-Federation URIs. The ID token's sid stays in the
        // principal (ClaimActions delete only protocol claims: nonce, aud, iat...): back-channel logout ends sessions by it.
        options.MapInboundClaims = false;
        options.TokenValidationParameters.NameClaimType = "name";
        options.SignedOutRedirectUri = SignedOutPath;

        options.Events.OnAccessDenied = context =>
        {
            // error=access_denied: the user said no on the consent page. Not an error for this app.
            context.Response.Redirect(DeclinedPath);
            context.HandleResponse();
            return Task.CompletedTask;
        };
        options.Events.OnRemoteFailure = context =>
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>()
                .CreateLogger(typeof(BoardSignIn)).LogWarning(context.Failure, "Connecting a Board account failed");
            context.Response.Redirect(FailedPath);
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    public static IEndpointRouteBuilder MapBoardSignIn(this IEndpointRouteBuilder endpoints)
    {
        // A link, not a form: starting a sign-in changes nothing here until the user approves at the Board.
        endpoints.MapGet("/signin", (HttpContext context) => context.User.Identity?.IsAuthenticated == true
            ? Results.Redirect("/board")
            : Results.Challenge(new AuthenticationProperties { RedirectUri = "/board" }, [OidcScheme]));
        return endpoints;
    }
}
