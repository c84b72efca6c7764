using System.Data.Common;
using System.Text.Json;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Operations;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Operations;

/// <summary>
/// Persists what <see cref="OperationWorkflow"/> decided about long operations (schema 0021). Every write is
/// version-checked, so two runners that both think they hold an operation cannot both record an outcome. Acceptance and
/// the end of an operation that failed are audited in the same transaction.
/// </summary>
public sealed class OperationStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        """
        operation_id AS Id, kind AS Kind, target AS Target, department_code AS Department, state AS State, requested_by AS RequestedBy,
        actor_json AS ActorJson, created_at AS CreatedAt, updated_at AS UpdatedAt, completed_at AS CompletedAt, attempts AS Attempts,
        lease_owner AS LeaseOwner, lease_until AS LeaseUntil, progress_json AS ProgressJson, result_json AS ResultJson,
        problem_json AS ProblemJson, version AS Version, failures AS Failures, input_json AS InputJson
        """;

    public TimeProvider Clock => clock;

    /// <summary>
    /// Records <paramref name="operation"/> as accepted for <paramref name="actor"/> — unless one of the same kind is already
    /// running on the same target, which is answered instead (a repeated request follows the operation already under way).
    /// </summary>
    public async Task<(Operation Operation, bool Accepted)> AcceptAsync(Operation operation, Actor actor, CancellationToken ct = default)
    {
        return await store.InTransactionAsync(async (connection, tx) =>
        {
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO operations (operation_id, kind, target, department_code, state, requested_by, actor_json, created_at, updated_at,
                                        completed_at, attempts, lease_owner, lease_until, progress_json, result_json, problem_json, version, failures, input_json)
                VALUES (@Id, @Kind, @Target, @Department, @State, @RequestedBy, @ActorJson, @CreatedAt, @UpdatedAt,
                        @CompletedAt, @Attempts, @LeaseOwner, @LeaseUntil, @ProgressJson, @ResultJson, @ProblemJson, @Version, @Failures, @InputJson)
                ON CONFLICT DO NOTHING
                """, Row.From(operation, JsonSerializer.Serialize(actor, Json)), tx, cancellationToken: ct));
            if (inserted == 0)
            {
                var running = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
                    $"SELECT {Columns} FROM operations WHERE kind = @Kind AND target = @Target AND state = 'running'",
                    new { operation.Kind, operation.Target }, tx, cancellationToken: ct));
                // The running one ended between the insert and the read: the caller may simply ask again.
                return running is null ? throw new OperationRaceException() : (running.ToOperation(), false);
            }

            await audit.AppendAsync(connection, tx, actor, "operation.accepted", OperationKinds.SubjectType(operation.Kind), operation.Target,
                NullIfEmpty(operation.Department), null, new { operation = operation.Id, operation.Kind });
            return (operation, true);
        }, ct);
    }

    public async Task<Operation?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM operations WHERE operation_id = @id", new { id }, cancellationToken: ct));
        return row?.ToOperation();
    }

    /// <summary>The actor the operation was accepted for: its command runs as them.</summary>
    public async Task<Actor?> ActorAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var json = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT actor_json FROM operations WHERE operation_id = @id", new { id }, cancellationToken: ct));
        return json is null ? null : JsonSerializer.Deserialize<Actor>(json, Json);
    }

    /// <summary>The operations of one target, newest first.</summary>
    public async Task<IReadOnlyList<Operation>> ListForTargetAsync(string target, int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM operations WHERE target = @target ORDER BY created_at DESC, operation_id DESC LIMIT {Math.Clamp(limit, 1, 100)}",
            new { target }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToOperation())];
    }

    /// <summary>Running operations nobody holds a live lease on (never started, or their silo died): the ones to take over.</summary>
    public async Task<IReadOnlyList<string>> ClaimableAsync(int limit, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await store.OpenAsync(ct);
        var ids = await connection.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT operation_id FROM operations
            WHERE state = 'running' AND (lease_until IS NULL OR lease_until <= @now)
            ORDER BY created_at LIMIT {Math.Clamp(limit, 1, 100)}
            """, new { now }, cancellationToken: ct));
        return [.. ids];
    }

    /// <summary>
    /// Writes <paramref name="next"/> if the stored row is still at <paramref name="expectedVersion"/>; false when another
    /// writer got there first (the caller re-reads). A failed end is audited with it.
    /// </summary>
    public async Task<bool> WriteAsync(Operation next, long expectedVersion, CancellationToken ct = default)
    {
        return await store.InTransactionAsync(async (connection, tx) =>
        {
            var row = Row.From(next, null);
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE operations SET state = @State, updated_at = @UpdatedAt, completed_at = @CompletedAt, attempts = @Attempts,
                       lease_owner = @LeaseOwner, lease_until = @LeaseUntil, progress_json = @ProgressJson, result_json = @ResultJson,
                       problem_json = @ProblemJson, version = @Version, failures = @Failures
                WHERE operation_id = @Id AND version = @expectedVersion
                """, Parameters(row, expectedVersion), tx, cancellationToken: ct));
            if (changed == 1 && next.State == OperationStates.Failed && next.Problem is { } problem)
            {
                var actorJson = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                    "SELECT actor_json FROM operations WHERE operation_id = @Id", new { next.Id }, tx, cancellationToken: ct));
                var actor = JsonSerializer.Deserialize<Actor>(actorJson!, Json)!;
                // A refused or failed draw is on the record as much as a committed one (who asked, when, and why it failed).
                await audit.AppendAsync(connection, tx, actor, "operation.failed", OperationKinds.SubjectType(next.Kind), next.Target, NullIfEmpty(next.Department), null,
                    new { operation = next.Id, next.Kind, problem.Status, problem.Title, problem.Detail, next.Attempts });
            }

            // An ended operation needs its uploaded file no more (an import reads it again only while it runs).
            if (changed == 1 && next.IsFinal && OperationKinds.HasUpload(next.Kind))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM operation_uploads WHERE upload_id = @Id", new { next.Id }, tx, cancellationToken: ct));
            }

            return changed == 1;
        }, ct);
    }

    /// <summary>
    /// Deletes operations that ended before <paramref name="cutoff"/>; answers how many. Running ones are never touched.
    /// The record of what they did stays: the commands' own audit lines, and <c>operation.accepted</c> / <c>.failed</c>.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM operations WHERE state <> 'running' AND completed_at < @cutoff", new { cutoff }, cancellationToken: ct));

        // Uploads that never became an operation (the client or the API went away mid-upload), a day on.
        var abandoned = clock.GetUtcNow() - TimeSpan.FromDays(1);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM operation_uploads WHERE created_at < @abandoned
              AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.operation_id = operation_uploads.upload_id AND o.state = 'running')
            """, new { abandoned }, cancellationToken: ct));
        return deleted;
    }

    /// <summary>The size of an upload chunk: one row of <c>operation_uploads</c>.</summary>
    public const int UploadChunkBytes = 1 << 20;

    /// <summary>
    /// Stores <paramref name="body"/> under <paramref name="uploadId"/> (the id the operation will have), one chunk per
    /// statement, so that nothing of it lives only in this process once the operation is accepted. Answers the number of
    /// bytes, or null when the body is longer than <paramref name="maxBytes"/> (what was stored is deleted). A failure
    /// (the client went away) deletes what was stored too.
    /// </summary>
    public async Task<long?> StageUploadAsync(string uploadId, Stream body, long maxBytes, CancellationToken ct = default)
    {
        var buffer = new byte[UploadChunkBytes];
        long total = 0;
        var seq = 0;
        try
        {
            while (true)
            {
                var filled = 0;
                while (filled < buffer.Length)
                {
                    var n = await body.ReadAsync(buffer.AsMemory(filled), ct);
                    if (n == 0) break;
                    filled += n;
                }

                if (filled == 0) break;
                total += filled;
                if (total > maxBytes)
                {
                    await DeleteUploadAsync(uploadId, CancellationToken.None);
                    return null;
                }

                var data = filled == buffer.Length ? buffer : buffer[..filled];
                await using (var connection = await store.OpenAsync(ct))
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO operation_uploads (upload_id, seq, data, created_at) VALUES (@uploadId, @seq, @data, @now)",
                        new { uploadId, seq, data, now = clock.GetUtcNow() }, cancellationToken: ct));
                }

                seq++;
                if (filled < buffer.Length) break;
            }

            return total;
        }
        catch
        {
            await DeleteUploadAsync(uploadId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The staged upload of <paramref name="uploadId"/>, read back chunk by chunk (memory: one chunk).</summary>
    public Stream OpenUpload(string uploadId) => new UploadStream(store, uploadId);

    public async Task DeleteUploadAsync(string uploadId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM operation_uploads WHERE upload_id = @uploadId", new { uploadId }, cancellationToken: ct));
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>A read-only stream over the chunks of one staged upload, in order.</summary>
    private sealed class UploadStream(SqlStore store, string uploadId) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;
        private int _next;
        private bool _end;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _chunk.Length)
            {
                if (_end) return 0;
                await using var connection = await store.OpenAsync(cancellationToken);
                var data = await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition(
                    "SELECT data FROM operation_uploads WHERE upload_id = @uploadId AND seq = @seq", new { uploadId, seq = _next }, cancellationToken: cancellationToken));
                if (data is null)
                {
                    _end = true;
                    return 0;
                }

                _chunk = data;
                _offset = 0;
                _next++;
            }

            var n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// Records where the running operation of <paramref name="kind"/> on <paramref name="target"/> is, if one runs. Best
    /// effort: progress is information, and losing a race with the runner's own write just drops this report.
    /// </summary>
    public async Task ReportAsync(string kind, string target, OperationProgress progress, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM operations WHERE kind = @kind AND target = @target AND state = 'running'", new { kind, target }, cancellationToken: ct));
        if (row is null) return;
        var current = row.ToOperation();
        var step = OperationWorkflow.Report(current, progress, clock.GetUtcNow());
        if (!step.Ok) return;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE operations SET progress_json = @ProgressJson, updated_at = @UpdatedAt, version = @Version WHERE operation_id = @Id AND version = @expected",
            new { ProgressJson = JsonSerializer.Serialize(progress, Json), step.Operation.UpdatedAt, step.Operation.Version, current.Id, expected = current.Version },
            cancellationToken: ct));
    }

    private static DynamicParameters Parameters(Row row, long expectedVersion)
    {
        var parameters = new DynamicParameters(row);
        parameters.Add("expectedVersion", expectedVersion);
        return parameters;
    }

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Target { get; init; } = "";
        public string Department { get; init; } = "";
        public string State { get; init; } = "";
        public string RequestedBy { get; init; } = "";
        public string? ActorJson { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }
        public DateTimeOffset? CompletedAt { get; init; }
        public int Attempts { get; init; }
        public string? LeaseOwner { get; init; }
        public DateTimeOffset? LeaseUntil { get; init; }
        public string? ProgressJson { get; init; }
        public string? ResultJson { get; init; }
        public string? ProblemJson { get; init; }
        public long Version { get; init; }
        public int Failures { get; init; }
        public string? InputJson { get; init; }

        public static Row From(Operation o, string? actorJson) => new()
        {
            Id = o.Id,
            Kind = o.Kind,
            Target = o.Target,
            Department = o.Department,
            State = o.State,
            RequestedBy = o.RequestedBy,
            ActorJson = actorJson,
            CreatedAt = o.CreatedAt,
            UpdatedAt = o.UpdatedAt,
            CompletedAt = o.CompletedAt,
            Attempts = o.Attempts,
            LeaseOwner = o.LeaseOwner,
            LeaseUntil = o.LeaseUntil,
            ProgressJson = o.Progress is null ? null : JsonSerializer.Serialize(o.Progress, Json),
            ResultJson = o.ResultJson,
            ProblemJson = o.Problem is null ? null : JsonSerializer.Serialize(o.Problem, Json),
            Version = o.Version,
            Failures = o.Failures,
            InputJson = o.InputJson,
        };

        public Operation ToOperation() => new(Id, Kind, Target, Department, State, RequestedBy, CreatedAt, UpdatedAt, CompletedAt, Attempts,
            LeaseOwner, LeaseUntil, ProgressJson is null ? null : JsonSerializer.Deserialize<OperationProgress>(ProgressJson, Json),
            ResultJson, ProblemJson is null ? null : JsonSerializer.Deserialize<OperationProblem>(ProblemJson, Json), Version, Failures, InputJson);
    }
}

/// <summary>An operation of the same kind ended between the check and the insert: asking again succeeds.</summary>
public sealed class OperationRaceException() : Exception("an operation of the same kind on the same target ended concurrently; ask again");
