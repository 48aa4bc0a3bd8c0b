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
        var settings = builder.Configuration.GetSection(BoardApiSettings.Section).Get<BoardApiSettings>() ?? new BoardApiSettings();
        builder.Services.AddHttpClient<BoardClient>(client => client.BaseAddress = settings.BaseUrl);
        return builder;
    }
}
