using System.Diagnostics;

namespace RedisJwt.Testing;

/// <summary>
/// What a Redis (or Sentinel) refused its users, from its ACL LOG: scripts/lib.sh's redis_acl_denials, the check
/// test.sh makes of the shared servers, run on a server a test started.
/// </summary>
public static class AclRefusals
{
    /// <summary>The client name of tests that are refused on purpose; redis_acl_denials leaves them out.</summary>
    public const string ProbeClientName = "acl-probe";

    /// <summary>One line per refusal (user, reason, object, context, count); none when it refused nothing.</summary>
    public static async Task<IReadOnlyList<string>> ReadAsync(int port)
    {
        using var bash = Process.Start(new ProcessStartInfo("bash",
            ["-c", "set -o pipefail && source \"$0\" && redis_acl_denials \"$1\"", Repository.PathOf("scripts", "lib.sh"), port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var errors = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        if (bash.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis_acl_denials {port} failed ({bash.ExitCode}): {errors}");
        }

        return [.. (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
