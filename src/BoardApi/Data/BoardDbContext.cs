using Microsoft.EntityFrameworkCore;
using RedisJwt.BoardApi.Posts;

namespace RedisJwt.BoardApi.Data;

public sealed class BoardDbContext(DbContextOptions<BoardDbContext> options) : DbContext(options)
{
    public DbSet<Post> Posts => Set<Post>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.Entity<Post>(post =>
        {
            post.ToTable("posts");
            post.HasKey(p => p.Id);
            post.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
            post.Property(p => p.Title).HasColumnName("title").HasMaxLength(Post.TitleMaxLength);
            post.Property(p => p.Content).HasColumnName("content").HasMaxLength(Post.ContentMaxLength);
            post.Property(p => p.AuthorId).HasColumnName("author_id").HasMaxLength(Post.AuthorIdMaxLength);
            post.Property(p => p.AuthorName).HasColumnName("author_name").HasMaxLength(Post.AuthorNameMaxLength);
            post.Property(p => p.CreatedAt).HasColumnName("created_at");
            post.Property(p => p.UpdatedAt).HasColumnName("updated_at");
            post.Property(p => p.Version).IsRowVersion();

            // The two list queries: newest first, and newest first by one author; id breaks ties for the cursor.
            post.HasIndex(p => new { p.CreatedAt, p.Id }).IsDescending().HasDatabaseName("ix_posts_created");
            post.HasIndex(p => new { p.AuthorId, p.CreatedAt, p.Id }).IsDescending(false, true, true)
                .HasDatabaseName("ix_posts_author_created");
        });
    }
}
