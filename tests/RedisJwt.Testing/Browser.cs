using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace RedisJwt.Testing;

/// <summary>A cookie-keeping client that reads pages and submits their real forms, antiforgery token included.</summary>
public sealed class Browser(HttpClient client)
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Client => client;

    /// <summary>Follows redirects within the server; stops at a redirect to another host (a client's callback).</summary>
    public async Task<Navigation> NavigateAsync(string url) => await FollowAsync(await client.GetAsync(url), new Uri(client.BaseAddress!, url));

    /// <param name="headers">Request headers a browser would add (an Origin, for the WebAuthn ceremonies).</param>
    public async Task<Navigation> SubmitAsync(Navigation page, string formSelector,
        IReadOnlyDictionary<string, string>? values = null, (string Name, string Value)? submitter = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var form = page.Document?.QuerySelector<IHtmlFormElement>(formSelector)
            ?? throw new InvalidOperationException($"No form '{formSelector}' on {page.Url}: {page.Body}");

        var fields = form.Elements.OfType<IHtmlInputElement>()
            .Where(input => input.Type is not ("checkbox" or "submit") || input.IsChecked)
            .Where(input => input.Type != "submit")
            .Select(input => new KeyValuePair<string, string>(input.Name!, input.Value))
            .Where(field => !string.IsNullOrEmpty(field.Key) && (values is null || !values.ContainsKey(field.Key)))
            .ToList();
        fields.AddRange(values ?? new Dictionary<string, string>());
        if (submitter is { } button)
        {
            fields.Add(new(button.Name, button.Value));
        }

        var actionAttribute = form.GetAttribute("action");
        Uri action = string.IsNullOrEmpty(actionAttribute) ? page.Url : new Uri(page.Url, actionAttribute);
        using var request = new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        var response = await client.SendAsync(request);
        return await FollowAsync(response, action);
    }

    private async Task<Navigation> FollowAsync(HttpResponseMessage response, Uri url)
    {
        for (var hops = 0; hops < 10; hops++)
        {
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307))
            {
                var body = await response.Content.ReadAsStringAsync();
                var isHtml = response.Content.Headers.ContentType?.MediaType == "text/html";
                return new Navigation(response, url, body, isHtml ? Parser.ParseDocument(body) : null, ExternalRedirect: null);
            }

            var location = new Uri(url, response.Headers.Location!);
            if (location.Host != client.BaseAddress!.Host || location.Port != client.BaseAddress.Port)
            {
                return new Navigation(response, url, "", null, location);
            }

            url = location;
            response = await client.GetAsync(location);
        }

        throw new InvalidOperationException($"Too many redirects, last at {url}.");
    }
}

public sealed record Navigation(HttpResponseMessage Response, Uri Url, string Body, IHtmlDocument? Document, Uri? ExternalRedirect)
{
    public Dictionary<string, string> RedirectParameters => ExternalRedirect is null
        ? throw new InvalidOperationException($"Expected a redirect to the client, got {(int)Response.StatusCode} at {Url}: {Body}")
        : Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(ExternalRedirect.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
