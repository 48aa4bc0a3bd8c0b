using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

public static class Responses
{
    /// <summary>401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c> (RFC 6750 3.1).</summary>
    public static void AssertInvalidToken(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter);
    }

    /// <summary>
    /// 401 for a request that carried no token (in the Authorization header): a Bearer challenge with
    /// <c>error="invalid_token"</c>, and a DPoP one, since a DPoP-bound token would do too (RFC 9449 7.1).
    /// </summary>
    public static void AssertNoTokenChallenges(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["Bearer", "DPoP"], response.Headers.WwwAuthenticate.Select(challenge => challenge.Scheme));
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.First().Parameter);
    }

    /// <summary>An RFC 9457 validation problem naming <paramref name="field"/>.</summary>
    public static async Task<string> AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in {problem}");
        return messages[0].GetString()!;
    }

    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Every instance accepts the token (GET /posts answers 200).</summary>
    public static async Task AssertAcceptedAsync(string token, params BoardApiFactory[] boards)
    {
        foreach (var board in boards)
        {
            Assert.Equal(HttpStatusCode.OK, (await board.CreateClient(token).GetAsync("/posts")).StatusCode);
        }
    }

    /// <summary>Polls until every instance answers 401 invalid_token (5 s at most); returns how long that took.</summary>
    public static async Task<TimeSpan> WaitUntilRejectedAsync(string token, params BoardApiFactory[] boards)
    {
        var clock = Stopwatch.StartNew();
        foreach (var board in boards)
        {
            var client = board.CreateClient(token);
            HttpResponseMessage response;
            while ((response = await client.GetAsync("/posts")).StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(5);
            }

            AssertInvalidToken(response);
        }

        return clock.Elapsed;
    }
}
