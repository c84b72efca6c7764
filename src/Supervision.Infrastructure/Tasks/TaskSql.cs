using System.Data.Common;
using System.Globalization;
using Dapper;
using Npgsql;

namespace Supervision.Infrastructure.Tasks;

/// <summary>SQL helpers the task stores share: bulk rows (COPY or one prepared INSERT) and parameter lists.</summary>
internal static class TaskSql
{
    /// <summary>Many rows in one statement stream: COPY on PostgreSQL, one prepared INSERT on SQLite.</summary>
    internal static Task BulkInsertAsync(DbConnection connection, DbTransaction tx, string table, string[] columns, IEnumerable<object?[]> rows, CancellationToken ct) =>
        BulkInsertAsync(connection, tx, table, columns, rows.ToAsyncEnumerable(), ct);

    internal static async Task BulkInsertAsync(DbConnection connection, DbTransaction tx, string table, string[] columns, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        if (connection is NpgsqlConnection npgsql)
        {
            await using var writer = await npgsql.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", ct);
            await foreach (var row in rows.WithCancellation(ct))
            {
                await writer.StartRowAsync(ct);
                foreach (var value in row)
                {
                    switch (value)
                    {
                        case string s: await writer.WriteAsync(s, NpgsqlTypes.NpgsqlDbType.Text, ct); break;
                        case int i: await writer.WriteAsync(i, NpgsqlTypes.NpgsqlDbType.Integer, ct); break;
                        case long l: await writer.WriteAsync(l, NpgsqlTypes.NpgsqlDbType.Bigint, ct); break;
                        case bool b: await writer.WriteAsync(b, NpgsqlTypes.NpgsqlDbType.Boolean, ct); break;
                        case DateTimeOffset d: await writer.WriteAsync(d.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz, ct); break;
                        case byte[] bytes: await writer.WriteAsync(bytes, NpgsqlTypes.NpgsqlDbType.Bytea, ct); break;
                        case null: await writer.WriteNullAsync(ct); break;
                        default: throw new ArgumentException($"cannot COPY a {value.GetType()}", nameof(rows));
                    }
                }
            }
            await writer.CompleteAsync(ct);
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)))})";
        var parameters = columns.Select((_, i) =>
        {
            var p = command.CreateParameter();
            p.ParameterName = "p" + i.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        await foreach (var row in rows.WithCancellation(ct))
        {
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i] switch
                {
                    null => DBNull.Value,
                    bool b => b ? 1 : 0,
                    DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                    var v => v,
                };
            }
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    internal static string InList(DynamicParameters p, string prefix, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++) p.Add($"{prefix}{i}", values[i]);
        return values.Count == 0 ? "NULL" : string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"));
    }
}
