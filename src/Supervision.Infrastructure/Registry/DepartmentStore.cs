using Dapper;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Audit;

namespace Supervision.Infrastructure.Registry;

/// <summary>A department (an authority that owns items, runs tasks and employs inspectors).</summary>
public sealed record Department : IVersioned
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public string? ParentCode { get; init; }
    public string? DivisionCode { get; init; }

    /// <summary>"automatic": approved results are published at once; "publisher": a publisher releases them.</summary>
    public string PublishMode { get; init; } = "publisher";

    /// <summary>This department's yearly cap on random inspections per entity (null: the platform default).</summary>
    public int? YearlyCap { get; init; }
    public long Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed class DepartmentStore(VersionedWriter writer, TimeProvider clock)
{
    private const string Columns =
        "code, name, parent_code AS ParentCode, division_code AS DivisionCode, publish_mode AS PublishMode, yearly_cap AS YearlyCap, version, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public Task<Department?> GetAsync(string code, CancellationToken ct = default) =>
        KeyedReads.OneAsync<Department>(writer.Store, $"SELECT {Columns} FROM departments", "code", code, ct);

    /// <summary>The departments among <paramref name="codes"/> that exist, by code, in one query (names for a page of rows).</summary>
    public Task<IReadOnlyDictionary<string, Department>> GetManyAsync(IReadOnlyList<string> codes, CancellationToken ct = default) =>
        KeyedReads.ManyAsync<Department>(writer.Store, $"SELECT {Columns} FROM departments", "code", codes, d => d.Code, ct);

    public async Task<IReadOnlyList<Department>> ListAsync(string? query, string? parentCode, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await writer.Store.OpenAsync(ct);
        var rows = await connection.QueryAsync<Department>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM departments
            WHERE (@pattern IS NULL OR name {writer.Store.Like} @pattern{Patterns.Escape} OR code {writer.Store.Like} @pattern{Patterns.Escape})
              AND (@parentCode IS NULL OR parent_code = @parentCode)
              AND (@after IS NULL OR code > @after)
            ORDER BY code LIMIT @limit
            """,
            new { pattern = Patterns.Contains(query), parentCode, after, limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>The chain of ancestors of <paramref name="code"/> (nearest first), to refuse cycles.</summary>
    public async Task<IReadOnlyList<string>> AncestorsAsync(string code, CancellationToken ct)
    {
        var chain = new List<string>();
        var current = await GetAsync(code, ct);
        while (current?.ParentCode is { } parent && chain.Count < 64 && !chain.Contains(parent))
        {
            chain.Add(parent);
            current = await GetAsync(parent, ct);
        }

        return chain;
    }

    public Task<WriteResult<Department>> CreateAsync(Department department, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var record = department with { Version = 1, CreatedAt = now, UpdatedAt = now };
        return writer.CreateAsync("department", record.Code, actor, record, d => d.Code,
            (connection, tx, d) => connection.ExecuteAsync(
                """
                INSERT INTO departments (code, name, parent_code, division_code, publish_mode, yearly_cap, version, created_at, updated_at)
                VALUES (@Code, @Name, @ParentCode, @DivisionCode, @PublishMode, @YearlyCap, @Version, @CreatedAt, @UpdatedAt)
                ON CONFLICT (code) DO NOTHING
                """, d, tx), ct);
    }

    public Task<WriteResult<Department>> UpdateAsync(Department change, long expectedVersion, Actor actor, CancellationToken ct) =>
        writer.UpdateAsync("department", change.Code, expectedVersion, actor,
            (connection, tx) => connection.QuerySingleOrDefaultAsync<Department>($"SELECT {Columns} FROM departments WHERE code = @Code", change, tx),
            d => d.Version,
            d => d.Code,
            before => change with { Version = before.Version + 1, CreatedAt = before.CreatedAt, UpdatedAt = clock.GetUtcNow() },
            (connection, tx, d, previous) => connection.ExecuteAsync(
                """
                UPDATE departments SET name = @Name, parent_code = @ParentCode, division_code = @DivisionCode, publish_mode = @PublishMode,
                    yearly_cap = @YearlyCap, version = @Version, updated_at = @UpdatedAt
                WHERE code = @Code AND version = @previous
                """,
                new { d.Name, d.ParentCode, d.DivisionCode, d.PublishMode, d.YearlyCap, d.Version, d.UpdatedAt, d.Code, previous }, tx),
            ct);
}

/// <summary>
/// LIKE patterns built from what a user typed. The user's own '%', '_' and backslash are escaped, so a search for
/// "A_B" finds "A_B" and not "AxB"; every LIKE that takes one of these patterns must end with <see cref="Escape"/>.
/// </summary>
internal static class Patterns
{
    public const string Escape = " ESCAPE '\\'";

    public static string? Contains(string? query) => string.IsNullOrWhiteSpace(query) ? null : "%" + Literal(query.Trim()) + "%";

    public static string? Prefix(string? query) => string.IsNullOrWhiteSpace(query) ? null : Literal(query.Trim()) + "%";

    private static string Literal(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal)
        .Replace("_", "\\_", StringComparison.Ordinal);
}
