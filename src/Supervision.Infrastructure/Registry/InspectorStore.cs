using Dapper;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Audit;

namespace Supervision.Infrastructure.Registry;

/// <summary>An inspector as the directory holds it. Certificate numbers are personal data: staff only, never public.</summary>
public sealed record Inspector : IVersioned
{
    public required string CertificateNo { get; init; }
    public required string Name { get; init; }
    public required string DepartmentCode { get; init; }
    public DateOnly CertificateExpiresOn { get; init; }
    public string[] Specialties { get; init; } = [];
    public required string Status { get; init; }
    public string[] Conflicts { get; init; } = [];
    public long Version { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static Inspector From(InspectorRecord r) => new()
    {
        CertificateNo = r.CertificateNo,
        Name = r.Name,
        DepartmentCode = r.DepartmentCode,
        CertificateExpiresOn = r.CertificateExpiresOn,
        Specialties = [.. r.Specialties],
        Status = r.Status,
        Conflicts = [.. r.Conflicts],
    };

    /// <summary>The profile as a write takes it (the inspector grain's <c>Save</c>).</summary>
    public InspectorRecord ToRecord() => new()
    {
        CertificateNo = CertificateNo,
        Name = Name,
        DepartmentCode = DepartmentCode,
        CertificateExpiresOn = CertificateExpiresOn,
        Specialties = Specialties,
        Status = Status,
        Conflicts = Conflicts,
    };
}

public sealed class InspectorStore(VersionedWriter writer, TimeProvider clock)
{
    private const string Columns =
        """
        certificate_no AS CertificateNo, name, department_code AS DepartmentCode, certificate_expires_on AS CertificateExpiresOn,
        specialties, status, conflicts, version, updated_at AS UpdatedAt
        """;

    public Task<Inspector?> GetAsync(string certificateNo, CancellationToken ct = default) =>
        KeyedReads.OneAsync<Inspector>(writer.Store, $"SELECT {Columns} FROM inspectors", "certificate_no", certificateNo, ct);

    /// <summary>The inspectors among <paramref name="certificates"/> that exist, by certificate number, in one query.</summary>
    public Task<IReadOnlyDictionary<string, Inspector>> GetManyAsync(IReadOnlyList<string> certificates, CancellationToken ct = default) =>
        KeyedReads.ManyAsync<Inspector>(writer.Store, $"SELECT {Columns} FROM inspectors", "certificate_no", certificates, i => i.CertificateNo, ct);

    public async Task<IReadOnlyList<Inspector>> ListAsync(string? department, string? query, string? status, string? specialty, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await writer.Store.OpenAsync(ct);
        var like = writer.Store.Like;
        var rows = await connection.QueryAsync<Inspector>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM inspectors
            WHERE (@department IS NULL OR department_code = @department)
              AND (@query IS NULL OR name {like} @query{Patterns.Escape} OR certificate_no LIKE @query{Patterns.Escape})
              AND (@status IS NULL OR status = @status)
              AND (@specialty IS NULL OR (',' || specialties || ',') LIKE @specialty)
              AND (@after IS NULL OR certificate_no > @after)
            ORDER BY certificate_no LIMIT @limit
            """,
            new { department, query = Patterns.Contains(query), status, specialty = specialty is null ? null : $"%,{specialty},%", after, limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    public Task<WriteResult<Inspector>> CreateAsync(Inspector inspector, Actor actor, CancellationToken ct)
    {
        var record = inspector with { Version = 1, UpdatedAt = clock.GetUtcNow() };
        return writer.CreateAsync("inspector", record.CertificateNo, actor, record, i => i.DepartmentCode,
            (connection, tx, i) => connection.ExecuteAsync(
                """
                INSERT INTO inspectors (certificate_no, name, department_code, certificate_expires_on, specialties, status, conflicts, version, updated_at)
                VALUES (@CertificateNo, @Name, @DepartmentCode, @CertificateExpiresOn, @Specialties, @Status, @Conflicts, @Version, @UpdatedAt)
                ON CONFLICT (certificate_no) DO NOTHING
                """, i, tx), ct);
    }

    /// <summary>Updates an inspector's profile (department moves included) against the version the caller read.</summary>
    public Task<WriteResult<Inspector>> UpdateAsync(Inspector change, long? expectedVersion, Actor actor, CancellationToken ct) =>
        writer.UpdateAsync("inspector", change.CertificateNo, expectedVersion, actor,
            (connection, tx) => connection.QuerySingleOrDefaultAsync<Inspector>($"SELECT {Columns} FROM inspectors WHERE certificate_no = @CertificateNo", change, tx),
            i => i.Version,
            i => i.DepartmentCode,
            before => change with { Version = before.Version + 1, UpdatedAt = clock.GetUtcNow() },
            (connection, tx, i, previous) => connection.ExecuteAsync(
                """
                UPDATE inspectors SET name = @Name, department_code = @DepartmentCode, certificate_expires_on = @CertificateExpiresOn,
                    specialties = @Specialties, status = @Status, conflicts = @Conflicts, version = @Version, updated_at = @UpdatedAt
                WHERE certificate_no = @CertificateNo AND version = @previous
                """,
                new { i.Name, i.DepartmentCode, i.CertificateExpiresOn, i.Specialties, i.Status, i.Conflicts, i.Version, i.UpdatedAt, i.CertificateNo, previous }, tx),
            ct);
}
