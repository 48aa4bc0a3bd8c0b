using DeviceCli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Signs the user in on this terminal with a code typed in a browser elsewhere (RFC 8628), then prints their posts;
// exit code 1 with the reason on stderr when the user denies, nobody approves in time, or a request fails.
try
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
    using var host = builder.AddDeviceCli().Build();

    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, press) => { press.Cancel = true; cancel.Cancel(); };
    var (user, titles) = await host.Services.GetRequiredService<DeviceSignIn>().RunAsync(challenge =>
    {
        Console.WriteLine($"To sign in, open {challenge.VerificationUri} and enter the code {challenge.UserCode}");
        if (challenge.VerificationUriComplete is { } complete)
        {
            Console.WriteLine($"(or open {complete} and check the code there)");
        }

        Console.WriteLine($"Waiting for you to approve, at most {challenge.ExpiresIn.TotalMinutes:0} minutes...");
    }, cancel.Token);

    Console.WriteLine($"Signed in as {user}: {titles.Count} posts");
    foreach (var title in titles)
    {
        Console.WriteLine($"- {title}");
    }

    return 0;
}
catch (DeviceCliException exception)
{
    Console.Error.WriteLine($"device-cli: {exception.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("device-cli: cancelled.");
    return 1;
}
