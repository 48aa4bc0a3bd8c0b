using Microsoft.Extensions.Options;

namespace AcmePlanner.Board;

/// <summary>Where BoardApi is (section "BoardApi").</summary>
public sealed class BoardApiSettings
{
    public const string Section = "BoardApi";

    public Uri BaseUrl { get; set; } = new("http://127.0.0.1:5002/");
}

public static class BoardClientSetup
{
    public static IHostApplicationBuilder AddBoardClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BoardApiSettings>().BindConfiguration(BoardApiSettings.Section);
        builder.Services.AddHttpClient<BoardClient>((services, client) =>
            client.BaseAddress = services.GetRequiredService<IOptions<BoardApiSettings>>().Value.BaseUrl);
        return builder;
    }
}
