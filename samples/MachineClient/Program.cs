using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReportingService;

// Prints how many posts BoardApi has (up to ReportingJob.Limit) and their titles; exit code 1 with the reason on
// stderr when the token request or the API call fails.
try
{
    // appsettings*.json beside the program, wherever it is started from.
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
    using var host = builder.AddReporting().Build();
    var report = await host.Services.GetRequiredService<ReportingJob>().RunAsync(CancellationToken.None);
    Console.WriteLine($"{report.Titles.Count} posts");
    foreach (var title in report.Titles)
    {
        Console.WriteLine($"- {title}");
    }

    return 0;
}
catch (ReportingException exception)
{
    Console.Error.WriteLine($"reporting-service: {exception.Message}");
    return 1;
}
