using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;
using Supervision.Core.Draw;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Tasks;

/// <summary>The freeze's one read of the population: (credit code, class) of the entities its filter admits, by binary COPY or a SQLite reader.</summary>
internal static class PopulationReader
{
    /// <summary>
    /// The filter of the freeze (docs/draw-service.md), with values as parameters (SQLite) or quoted literals (COPY takes no
    /// parameters): open entities of the task's classes, division, industries and types, to which every one of the task's
    /// items applies (<paramref name="scopes"/>: each restricting item's entity types and industry prefixes).
    /// </summary>
    internal static string PopulationWhere(TaskDefinition definition, IReadOnlyList<ItemScope> scopes, Func<string, string> value)
    {
        var filter = definition.Filter;
        var where = new StringBuilder("e.status = 'open'");
        where.Append(" AND e.credit_class IN (").Append(string.Join(", ", filter.CreditClasses.Select(value))).Append(')');
        if (filter.DivisionPrefix is { } division) where.Append(" AND e.division_code LIKE ").Append(value(division + "%"));
        if (filter.IndustryPrefixes.Count > 0)
            where.Append(" AND (").Append(string.Join(" OR ", filter.IndustryPrefixes.Select(x => "e.industry_code LIKE " + value(x + "%")))).Append(')');
        if (filter.EntityTypes.Count > 0)
            where.Append(" AND e.entity_type IN (").Append(string.Join(", ", filter.EntityTypes.Select(value))).Append(')');
        foreach (var scope in scopes)
        {
            if (scope.EntityTypes.Count > 0)
                where.Append(" AND e.entity_type IN (").Append(string.Join(", ", scope.EntityTypes.Select(value))).Append(')');
            if (scope.IndustryPrefixes.Count > 0)
                where.Append(" AND (").Append(string.Join(" OR ", scope.IndustryPrefixes.Select(x => "e.industry_code LIKE " + value(x + "%")))).Append(')');
        }
        return where.ToString();
    }

    /// <summary>A PostgreSQL string literal under standard_conforming_strings (set on for the transaction): quotes doubled, nothing else special.</summary>
    private static string Literal(string text) => text.Contains('\0', StringComparison.Ordinal)
        ? throw new ArgumentException("a filter value contains NUL", nameof(text))
        : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Streams (credit code, class) of the matching entities by binary COPY and parses the wire format directly.</summary>
    internal static async Task ReadPopulationCopyAsync(NpgsqlConnection connection, TaskDefinition definition, IReadOnlyList<ItemScope> scopes, CollectedPopulation into, CancellationToken ct)
    {
        await using (var set = new NpgsqlCommand("SET LOCAL standard_conforming_strings = on", connection)) await set.ExecuteNonQueryAsync(ct);
        var sql = $"COPY (SELECT e.credit_code, e.credit_class FROM market_entities e WHERE {PopulationWhere(definition, scopes, Literal)}) TO STDOUT (FORMAT BINARY)";
        await using var stream = await connection.BeginRawBinaryCopyAsync(sql, ct);
        var buffer = new byte[1 << 20];
        int filled = 0, at = 0;
        var headerDone = false;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            filled += read;
            if (!headerDone)
            {
                if (filled < 19) { if (read == 0) throw new InvalidOperationException("COPY ended before its header"); continue; }
                var extension = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(15));
                at = 19 + extension;
                headerDone = true;
            }
            var done = into.AddCopyTuples(buffer.AsSpan(0, filled), ref at);
            if (done) return;
            if (read == 0) throw new InvalidOperationException("COPY ended without its trailer");
            // Keep the unparsed tail at the front of the buffer; grow it for a tuple larger than the buffer.
            var tail = filled - at;
            if (tail == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            buffer.AsSpan(at, tail).CopyTo(buffer);
            filled = tail;
            at = 0;
        }
    }

    internal static async Task ReadPopulationSqliteAsync(DbConnection connection, DbTransaction tx, TaskDefinition definition, IReadOnlyList<ItemScope> scopes, CollectedPopulation into, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandTimeout = 3600;
        var n = 0;
        var where = PopulationWhere(definition, scopes, v =>
        {
            var name = "@f" + (n++).ToString(CultureInfo.InvariantCulture);
            SqlParameters.Add(command, name, v);
            return name;
        });
        command.CommandText = $"SELECT e.credit_code, e.credit_class FROM market_entities e WHERE {where}";
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
            into.Add(Encoding.UTF8.GetBytes(reader.GetString(0)), Encoding.UTF8.GetBytes(reader.GetString(1)));
    }
}

/// <summary>(id code, class index) pairs as read; members whose id is not 18 × [0-9A-Z] are not part of any population.</summary>
internal sealed class CollectedPopulation(IReadOnlyList<string> classes)
{
    private readonly byte[][] _classes = classes.Select(c => Encoding.UTF8.GetBytes(c)).ToArray();
    private UInt128[] _ids = new UInt128[1 << 16];
    private byte[] _classOf = new byte[1 << 16];
    private int _count;

    public void Add(ReadOnlySpan<byte> id, ReadOnlySpan<byte> creditClass)
    {
        if (!SnapshotChunks.TryEncode(id, out var code)) return;
        var c = 0;
        while (c < _classes.Length && !creditClass.SequenceEqual(_classes[c])) c++;
        if (c == _classes.Length) throw new InvalidOperationException($"the population query returned class '{Encoding.UTF8.GetString(creditClass)}' outside the filter");
        if (_count == _ids.Length)
        {
            Array.Resize(ref _ids, _count * 2);
            Array.Resize(ref _classOf, _count * 2);
        }
        _ids[_count] = code;
        _classOf[_count++] = (byte)c;
    }

    /// <summary>Parses complete COPY BINARY tuples of two text fields from <paramref name="at"/>; true at the trailer.</summary>
    public bool AddCopyTuples(ReadOnlySpan<byte> data, ref int at)
    {
        while (true)
        {
            if (data.Length - at < 2) return false;
            var fields = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(data[at..]);
            if (fields == -1) return true;
            if (fields != 2) throw new InvalidOperationException($"COPY tuple with {fields} fields");
            var p = at + 2;
            if (data.Length - p < 4) return false;
            var idLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[p..]);
            if (idLength < 0 || data.Length - p - 4 < idLength + 4) return false;
            var id = data.Slice(p + 4, idLength);
            p += 4 + idLength;
            var classLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[p..]);
            if (classLength < 0 || data.Length - p - 4 < classLength) return false;
            Add(id, data.Slice(p + 4, classLength));
            at = p + 4 + classLength;
        }
    }

    /// <summary>The members read, in the snapshot's order (<see cref="FreezeRules.SortMembers"/>).</summary>
    public (UInt128[] Ids, byte[] ClassOf) Sorted() => FreezeRules.SortMembers(_ids[.._count], _classOf[.._count]);
}
