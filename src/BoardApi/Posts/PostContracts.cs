namespace RedisJwt.BoardApi.Posts;

/// <summary>The body of POST /posts and PUT /posts/{id}; <c>version</c> is required on PUT.</summary>
public sealed record PostInput(string? Title, string? Content, uint? Version)
{
    /// <summary>Field errors keyed by the JSON name, as in RFC 9457 validation problems; empty when valid.</summary>
    public Dictionary<string, string[]> Validate(bool requireVersion)
    {
        var errors = new Dictionary<string, string[]>();
        if (PostText.Check(Title, Post.TitleMaxLength, multiline: false) is { } title)
        {
            errors["title"] = [title];
        }

        if (PostText.Check(Content, Post.ContentMaxLength, multiline: true) is { } content)
        {
            errors["content"] = [content];
        }

        if (requireVersion && Version is null)
        {
            errors["version"] = ["Required: the version of the post being edited, as last read."];
        }

        return errors;
    }
}

public sealed record PostResponse(Guid Id, string Title, string Content, string AuthorId, string AuthorName,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, uint Version)
{
    public static PostResponse From(Post post) => new(post.Id, post.Title, post.Content, post.AuthorId, post.AuthorName,
        post.CreatedAt, post.UpdatedAt, post.Version);
}

/// <summary>One page of posts, newest first; <c>nextCursor</c> is null on the last page.</summary>
public sealed record PostPage(IReadOnlyList<PostResponse> Items, string? NextCursor);
