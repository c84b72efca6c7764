using Dapper;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Audit;

namespace Supervision.Infrastructure.Registry;

/// <summary>A market entity as the directory holds it: the record plus its review flag and version.</summary>
public sealed record MarketEntity : IVersioned
{
    public required string CreditCode { get; init; }
    public string? LegacyRegNo { get; init; }
    public required string Name { get; init; }
    public required string EntityType { get; init; }
    public required string IndustryCode { get; init; }
    public required string DivisionCode { get; init; }
    public string Address { get; init; } = string.Empty;
    public string LegalRepresentative { get; init; } = string.Empty;
    public required string Status { get; init; }
    public DateOnly? RegisteredOn { get; init; }

    /// <summary>Credit-risk class A–D. Confidential: never shown to the public.</summary>
    public string CreditClass { get; init; } = "B";
    public string[] Tags { get; init; } = [];

    /// <summary>Imported with a credit code that fails its check characters; kept for a person to review.</summary>
    public bool ChecksumReview { get; init; }
    public long Version { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static MarketEntity From(MarketEntityRecord r, bool checksumReview, string creditClass) => new()
    {
        CreditCode = r.CreditCode,
        LegacyRegNo = r.LegacyRegNo,
        Name = r.Name,
        EntityType = r.EntityType,
        IndustryCode = r.IndustryCode,
        DivisionCode = r.DivisionCode,
        Address = r.Address,
        LegalRepresentative = r.LegalRepresentative,
        Status = r.Status,
        RegisteredOn = r.RegisteredOn,
        CreditClass = creditClass,
        Tags = [.. r.Tags],
        ChecksumReview = checksumReview,
    };
}

/// <summary>Filters for the entity directory; every one is optional and they combine with AND.</summary>
public sealed record EntityFilter(
    string? Query = null,
    string? Division = null,
    string? Industry = null,
    string? EntityType = null,
    string? Status = null,
    string? CreditClass = null,
    bool? ChecksumReview = null);

/// <summary>The entity directory's read model and single-row writes (bulk writes go through the importer).</summary>
public sealed class MarketEntityStore(VersionedWriter writer, TimeProvider clock)
{
    private const string Columns =
        """
        credit_code AS CreditCode, legacy_reg_no AS LegacyRegNo, name, entity_type AS EntityType, industry_code AS IndustryCode,
        division_code AS DivisionCode, address, legal_representative AS LegalRepresentative, status, registered_on AS RegisteredOn,
        credit_class AS CreditClass, tags, checksum_review AS ChecksumReview, version, updated_at AS UpdatedAt
        """;

    public Task<MarketEntity?> GetAsync(string creditCode, CancellationToken ct = default) =>
        KeyedReads.OneAsync<MarketEntity>(writer.Store, $"SELECT {Columns} FROM market_entities", "credit_code", creditCode, ct);

    /// <summary>
    /// Keyset-paged by credit code. Division and industry match as prefixes (a province code "210000" is given as
    /// "21"), so a filter at any level of either hierarchy uses the index.
    /// </summary>
    public async Task<IReadOnlyList<MarketEntity>> ListAsync(EntityFilter filter, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await writer.Store.OpenAsync(ct);
        var like = writer.Store.Like;
        var rows = await connection.QueryAsync<MarketEntity>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM market_entities
            WHERE (@query IS NULL OR name {like} @query{Patterns.Escape} OR credit_code LIKE @codePrefix{Patterns.Escape})
              AND (@division IS NULL OR division_code LIKE @division{Patterns.Escape})
              AND (@industry IS NULL OR industry_code LIKE @industry{Patterns.Escape})
              AND (@entityType IS NULL OR entity_type = @entityType)
              AND (@status IS NULL OR status = @status)
              AND (@creditClass IS NULL OR credit_class = @creditClass)
              AND (@checksumReview IS NULL OR checksum_review = @checksumReview)
              AND (@after IS NULL OR credit_code > @after)
            ORDER BY credit_code LIMIT @limit
            """,
            new
            {
                query = Patterns.Contains(filter.Query),
                codePrefix = Patterns.Prefix(filter.Query?.ToUpperInvariant()),
                division = Patterns.Prefix(TrimZeros(filter.Division)),
                industry = Patterns.Prefix(filter.Industry),
                entityType = filter.EntityType,
                status = filter.Status,
                creditClass = filter.CreditClass,
                checksumReview = filter.ChecksumReview,
                after,
                limit,
            },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>"210000" → "21", "210100" → "2101": a division code covers everything under it.</summary>
    private static string? TrimZeros(string? division) =>
        division is { Length: 6 } d ? d.EndsWith("0000", StringComparison.Ordinal) ? d[..2] : d.EndsWith("00", StringComparison.Ordinal) ? d[..4] : d : division;

    public Task<WriteResult<MarketEntity>> CreateAsync(MarketEntity entity, Actor actor, CancellationToken ct)
    {
        var record = entity with { Version = 1, UpdatedAt = clock.GetUtcNow() };
        return writer.CreateAsync("entity", record.CreditCode, actor, record, _ => null,
            (connection, tx, e) => connection.ExecuteAsync(
                """
                INSERT INTO market_entities (credit_code, legacy_reg_no, name, entity_type, industry_code, division_code, address, legal_representative,
                    status, registered_on, credit_class, tags, checksum_review, version, updated_at)
                VALUES (@CreditCode, @LegacyRegNo, @Name, @EntityType, @IndustryCode, @DivisionCode, @Address, @LegalRepresentative,
                    @Status, @RegisteredOn, @CreditClass, @Tags, @ChecksumReview, @Version, @UpdatedAt)
                ON CONFLICT (credit_code) DO NOTHING
                """, e, tx), ct);
    }

    /// <summary>Updates the profile; the credit class is the credit model's and is kept as it is.</summary>
    public Task<WriteResult<MarketEntity>> UpdateAsync(MarketEntity change, long? expectedVersion, Actor actor, CancellationToken ct) =>
        writer.UpdateAsync("entity", change.CreditCode, expectedVersion, actor,
            (connection, tx) => connection.QuerySingleOrDefaultAsync<MarketEntity>($"SELECT {Columns} FROM market_entities WHERE credit_code = @CreditCode", change, tx),
            e => e.Version,
            _ => null,
            before => change with { CreditClass = before.CreditClass, Version = before.Version + 1, UpdatedAt = clock.GetUtcNow() },
            (connection, tx, e, previous) => connection.ExecuteAsync(
                """
                UPDATE market_entities SET legacy_reg_no = @LegacyRegNo, name = @Name, entity_type = @EntityType, industry_code = @IndustryCode,
                    division_code = @DivisionCode, address = @Address, legal_representative = @LegalRepresentative, status = @Status,
                    registered_on = @RegisteredOn, tags = @Tags, checksum_review = @ChecksumReview, version = @Version, updated_at = @UpdatedAt
                WHERE credit_code = @CreditCode AND version = @previous
                """,
                new
                {
                    e.LegacyRegNo, e.Name, e.EntityType, e.IndustryCode, e.DivisionCode, e.Address, e.LegalRepresentative, e.Status,
                    e.RegisteredOn, e.Tags, e.ChecksumReview, e.Version, e.UpdatedAt, e.CreditCode, previous,
                }, tx),
            ct);

    /// <summary>Whether the directory holds any entity (an index probe, not a count of millions of rows).</summary>
    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        await using var connection = await writer.Store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM market_entities)", cancellationToken: ct));
    }
}
