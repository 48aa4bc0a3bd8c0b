namespace RedisJwt.BoardApi.Posts;

public sealed class Post
{
    public const int TitleMaxLength = 200;
    public const int ContentMaxLength = 20_000;
    public const int AuthorIdMaxLength = 200;
    public const int AuthorNameMaxLength = 200;

    public Guid Id { get; init; }

    public required string Title { get; set; }

    /// <summary>Stored exactly as given and only ever returned as JSON data; clients render it as text.</summary>
    public required string Content { get; set; }

    /// <summary>The <c>sub</c> of the token that created the post.</summary>
    public required string AuthorId { get; init; }

    /// <summary>The author's display name when they last wrote the post.</summary>
    public required string AuthorName { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL's xmin: changes on every update, so a stale edit is detected (optimistic concurrency).</summary>
    public uint Version { get; set; }
}
