using Microsoft.Extensions.FileProviders;
using RedisJwt.BoardSpa;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOptions<SpaSettings>().BindConfiguration(SpaSettings.Section).ValidateDataAnnotations().ValidateOnStart();

var app = builder.Build();
var settings = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SpaSettings>>().Value;

app.Use((context, next) =>
{
    SpaHeaders.Apply(context.Response.Headers, settings);
    return next();
});

app.UseDefaultFiles();
app.UseStaticFiles();
// oidc-client-ts's browser bundle from the npm package, copied next to the app by the build (see BoardSpa.csproj).
app.UseStaticFiles(new StaticFileOptions
{
    FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "lib")),
    RequestPath = "/lib",
});

// What the app needs to know, from configuration: no rebuild per environment.
app.MapGet("/config.json", () => settings.ToClientConfig());

// /callback and any other client-side route load the app.
app.MapFallbackToFile("index.html");

app.Run();
