using Dapper;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Audit;

namespace Supervision.Infrastructure.Registry;

/// <summary>An entry of the random-inspection item list (随机抽查事项清单).</summary>
public sealed record InspectionItem : IVersioned
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public required string DepartmentCode { get; init; }
    public required string LegalBasis { get; init; }

    /// <summary>"written", "on-site" or "online".</summary>
    public required string Method { get; init; }

    /// <summary>Key item (重点检查事项) rather than a general one.</summary>
    public bool IsKey { get; init; }

    /// <summary>USCC type prefixes (e.g. 91, 92) the item applies to; empty means all.</summary>
    public string[] EntityTypes { get; init; } = [];

    /// <summary>GB/T 4754 code prefixes the item applies to; empty means all.</summary>
    public string[] Industries { get; init; } = [];

    /// <summary>The result codes an inspector may record for this item.</summary>
    public string[] ResultCodes { get; init; } = [];
    public bool Active { get; init; } = true;
    public long Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed class InspectionItemStore(VersionedWriter writer, TimeProvider clock)
{
    private const string Columns =
        """
        code, name, department_code AS DepartmentCode, legal_basis AS LegalBasis, method, is_key AS IsKey,
        entity_types AS EntityTypes, industries, result_codes AS ResultCodes, active, version, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public Task<InspectionItem?> GetAsync(string code, CancellationToken ct = default) =>
        KeyedReads.OneAsync<InspectionItem>(writer.Store, $"SELECT {Columns} FROM inspection_items", "code", code, ct);

    /// <summary>The items among <paramref name="codes"/> that exist, by code, in one query (a task's items, for its freeze or preview).</summary>
    public Task<IReadOnlyDictionary<string, InspectionItem>> GetManyAsync(IReadOnlyList<string> codes, CancellationToken ct = default) =>
        KeyedReads.ManyAsync<InspectionItem>(writer.Store, $"SELECT {Columns} FROM inspection_items", "code", codes, i => i.Code, ct);

    /// <summary>
    /// The object scope of each of <paramref name="codes"/> (in that order) as the freeze and the preview apply it, from
    /// the loaded <paramref name="items"/>; an unknown code restricts nothing (a task's items were checked when it was written).
    /// </summary>
    public static IReadOnlyList<Core.Tasks.ItemScope> Scopes(IReadOnlyList<string> codes, IReadOnlyDictionary<string, InspectionItem> items, Core.Reference.ReferenceData reference) =>
        [.. codes.Select(code => items.TryGetValue(code, out var item)
            ? Core.Tasks.ItemScopes.Of(code, item.EntityTypes, item.Industries, reference)
            : Core.Tasks.ItemScopes.Of(code, [], [], reference))];

    public async Task<IReadOnlyList<InspectionItem>> ListAsync(string? departmentCode, string? query, bool? active, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await writer.Store.OpenAsync(ct);
        var rows = await connection.QueryAsync<InspectionItem>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM inspection_items
            WHERE (@departmentCode IS NULL OR department_code = @departmentCode)
              AND (@pattern IS NULL OR name {writer.Store.Like} @pattern{Patterns.Escape} OR code {writer.Store.Like} @pattern{Patterns.Escape})
              AND (@active IS NULL OR active = @active)
              AND (@after IS NULL OR code > @after)
            ORDER BY code LIMIT @limit
            """,
            new { departmentCode, pattern = Patterns.Contains(query), active, after, limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    public Task<WriteResult<InspectionItem>> CreateAsync(InspectionItem item, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var record = item with { Version = 1, CreatedAt = now, UpdatedAt = now };
        return writer.CreateAsync("item", record.Code, actor, record, i => i.DepartmentCode,
            (connection, tx, i) => connection.ExecuteAsync(
                """
                INSERT INTO inspection_items (code, name, department_code, legal_basis, method, is_key, entity_types, industries, result_codes, active, version, created_at, updated_at)
                VALUES (@Code, @Name, @DepartmentCode, @LegalBasis, @Method, @IsKey, @EntityTypes, @Industries, @ResultCodes, @Active, @Version, @CreatedAt, @UpdatedAt)
                ON CONFLICT (code) DO NOTHING
                """, i, tx), ct);
    }

    public Task<WriteResult<InspectionItem>> UpdateAsync(InspectionItem change, long expectedVersion, Actor actor, CancellationToken ct) =>
        writer.UpdateAsync("item", change.Code, expectedVersion, actor,
            (connection, tx) => connection.QuerySingleOrDefaultAsync<InspectionItem>($"SELECT {Columns} FROM inspection_items WHERE code = @Code", change, tx),
            i => i.Version,
            i => i.DepartmentCode,
            before => change with { DepartmentCode = before.DepartmentCode, Version = before.Version + 1, CreatedAt = before.CreatedAt, UpdatedAt = clock.GetUtcNow() },
            (connection, tx, i, previous) => connection.ExecuteAsync(
                """
                UPDATE inspection_items SET name = @Name, legal_basis = @LegalBasis, method = @Method, is_key = @IsKey, entity_types = @EntityTypes,
                    industries = @Industries, result_codes = @ResultCodes, active = @Active, version = @Version, updated_at = @UpdatedAt
                WHERE code = @Code AND version = @previous
                """,
                new { i.Name, i.LegalBasis, i.Method, i.IsKey, i.EntityTypes, i.Industries, i.ResultCodes, i.Active, i.Version, i.UpdatedAt, i.Code, previous }, tx),
            ct);
}
