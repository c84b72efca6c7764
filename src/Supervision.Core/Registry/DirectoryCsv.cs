using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using nietras.SeparatedValues;
using Supervision.Core.Reference;
using Supervision.Core.Validation;

namespace Supervision.Core.Registry;

/// <summary>
/// Reads and writes the directory CSV files (docs/csv-formats.md): UTF-8, header row, RFC 4180
/// quoting, ',' separator, list fields joined by ';'. Readers stream (memory stays flat), yield one
/// result per data row and never stop on a bad row; a file-level problem (empty, wrong header,
/// invalid UTF-8, truncated) ends the sequence with one fatal result.
/// </summary>
public static class DirectoryCsv
{
    public static readonly IReadOnlyList<string> EntityColumns =
        ["creditCode", "legacyRegNo", "name", "entityType", "industryCode", "divisionCode", "address", "legalRepresentative", "status", "registeredOn", "creditClass", "tags"];

    /// <summary>Columns an entities file must have; the others may be absent (empty).</summary>
    public static readonly IReadOnlyList<string> EntityRequiredColumns = ["creditCode", "name", "industryCode", "divisionCode"];

    public static readonly IReadOnlyList<string> InspectorColumns =
        ["certificateNo", "name", "departmentCode", "certificateExpiresOn", "specialties", "status", "conflicts"];

    public static readonly IReadOnlyList<string> InspectorRequiredColumns = ["certificateNo", "name", "departmentCode", "certificateExpiresOn"];

    public static readonly IReadOnlyList<string> DepartmentColumns = ["code", "name", "divisionCode"];

    public static readonly IReadOnlyList<string> ItemColumns =
        ["code", "name", "departmentCode", "legalBasis", "method", "key", "entityTypes", "industries", "resultCodes"];

    // ---- entities ----

    /// <summary>Streams entity rows. Default mode is lenient (bulk import: bad checksums flagged, not rejected).</summary>
    /// <summary>
    /// Reads another CSV of the same family (UTF-8, header, RFC 4180 quoting, line numbers, row and file errors) with
    /// the caller's row parser; fields arrive in <paramref name="columns"/> order, absent optional columns as "".
    /// </summary>
    public static IEnumerable<CsvReadResult<T>> ReadRows<T>(Stream stream, IReadOnlyList<string> columns, IReadOnlyList<string> required,
        Func<string[], (T? Record, List<FieldError> Errors, IReadOnlyList<string> Flags)> parse)
        where T : class =>
        Read(stream, columns, required, f => parse(f));

    public static IEnumerable<CsvReadResult<MarketEntityRecord>> ReadEntities(Stream stream, ReferenceData reference, ValidationMode mode = ValidationMode.Lenient) =>
        Read(stream, EntityColumns, EntityRequiredColumns, f => ParseEntity(f, reference, mode));

    public static IAsyncEnumerable<CsvReadResult<MarketEntityRecord>> ReadEntitiesAsync(Stream stream, ReferenceData reference, ValidationMode mode = ValidationMode.Lenient, CancellationToken cancellationToken = default) =>
        ReadAsync(stream, EntityColumns, EntityRequiredColumns, f => ParseEntity(f, reference, mode), cancellationToken);

    public static void WriteEntities(Stream stream, IEnumerable<MarketEntityRecord> records)
    {
        using var w = new CsvUtf8Writer(stream);
        WriteHeader(w, EntityColumns);
        foreach (var r in records)
        {
            WriteEntityRow(w, r);
        }
    }

    /// <summary>Writes one entity row in <see cref="EntityColumns"/> order.</summary>
    public static void WriteEntityRow(CsvUtf8Writer w, MarketEntityRecord r)
    {
        w.WriteField(r.CreditCode);
        w.WriteField(r.LegacyRegNo);
        w.WriteField(r.Name);
        w.WriteField(r.EntityType);
        w.WriteField(r.IndustryCode);
        w.WriteField(r.DivisionCode);
        w.WriteField(r.Address);
        w.WriteField(r.LegalRepresentative);
        w.WriteField(r.Status);
        w.WriteDateField(r.RegisteredOn);
        w.WriteField(r.CreditClass);
        w.WriteListField(r.Tags);
        w.EndRow();
    }

    // ---- inspectors ----

    /// <summary>Streams inspector rows; <paramref name="knownDepartment"/> optionally checks department codes.</summary>
    public static IEnumerable<CsvReadResult<InspectorRecord>> ReadInspectors(Stream stream, ValidationMode mode = ValidationMode.Lenient, Func<string, bool>? knownDepartment = null) =>
        Read(stream, InspectorColumns, InspectorRequiredColumns, f => ParseInspector(f, mode, knownDepartment));

    public static IAsyncEnumerable<CsvReadResult<InspectorRecord>> ReadInspectorsAsync(Stream stream, ValidationMode mode = ValidationMode.Lenient, Func<string, bool>? knownDepartment = null, CancellationToken cancellationToken = default) =>
        ReadAsync(stream, InspectorColumns, InspectorRequiredColumns, f => ParseInspector(f, mode, knownDepartment), cancellationToken);

    public static void WriteInspectors(Stream stream, IEnumerable<InspectorRecord> records)
    {
        using var w = new CsvUtf8Writer(stream);
        WriteHeader(w, InspectorColumns);
        foreach (var r in records)
        {
            WriteInspectorRow(w, r);
        }
    }

    public static void WriteInspectorRow(CsvUtf8Writer w, InspectorRecord r)
    {
        w.WriteField(r.CertificateNo);
        w.WriteField(r.Name);
        w.WriteField(r.DepartmentCode);
        w.WriteDateField(r.CertificateExpiresOn);
        w.WriteListField(r.Specialties);
        w.WriteField(r.Status);
        w.WriteListField(r.Conflicts);
        w.EndRow();
    }

    // ---- departments and items ----

    public static IEnumerable<CsvReadResult<DepartmentRecord>> ReadDepartments(Stream stream) =>
        Read(stream, DepartmentColumns, DepartmentColumns, ParseDepartment);

    public static void WriteDepartments(Stream stream, IEnumerable<DepartmentRecord> records)
    {
        using var w = new CsvUtf8Writer(stream);
        WriteHeader(w, DepartmentColumns);
        foreach (var r in records)
        {
            w.WriteRow(r.Code, r.Name, r.DivisionCode);
        }
    }

    public static IEnumerable<CsvReadResult<InspectionItemRecord>> ReadItems(Stream stream, ReferenceData reference) =>
        Read(stream, ItemColumns, ["code", "name", "departmentCode", "legalBasis", "method"], f => ParseItem(f, reference));

    public static void WriteItems(Stream stream, IEnumerable<InspectionItemRecord> records)
    {
        using var w = new CsvUtf8Writer(stream);
        WriteHeader(w, ItemColumns);
        foreach (var r in records)
        {
            w.WriteField(r.Code);
            w.WriteField(r.Name);
            w.WriteField(r.DepartmentCode);
            w.WriteField(r.LegalBasis);
            w.WriteField(r.Method);
            w.WriteField(r.Key ? "true" : "false");
            w.WriteListField(r.EntityTypes);
            w.WriteListField(r.Industries);
            w.WriteListField(r.ResultCodes);
            w.EndRow();
        }
    }

    public static void WriteHeader(CsvUtf8Writer w, IReadOnlyList<string> columns)
    {
        foreach (var c in columns)
        {
            w.WriteField(c);
        }

        w.EndRow();
    }

    // ---- row parsers (fields arrive in the schema's column order; absent optional columns are "") ----

    private static (MarketEntityRecord?, List<FieldError>, IReadOnlyList<string>) ParseEntity(string[] f, ReferenceData reference, ValidationMode mode)
    {
        var errors = new List<FieldError>();
        var status = f[8].Trim();
        var keepStatus = status.Length == 0;
        if (keepStatus)
        {
            // Validated as "open"; the import keeps the stored status (open for a new entity): MarketEntityRecord.KeepStatus.
            status = EntityStatusCodes.Open;
        }
        else if (reference.ResolveStatus(status) is { } s)
        {
            status = s.Code;
        }

        var creditCode = CreditCode.Normalize(f[0]);
        var entityType = f[3].Trim().ToUpperInvariant();
        if (entityType.Length == 0 && creditCode.Length >= 2)
        {
            entityType = creditCode[..2];
        }

        var record = new MarketEntityRecord
        {
            CreditCode = creditCode,
            LegacyRegNo = f[1],
            Name = f[2],
            EntityType = entityType,
            IndustryCode = f[4],
            DivisionCode = f[5],
            Address = f[6],
            LegalRepresentative = f[7],
            Status = status,
            KeepStatus = keepStatus,
            RegisteredOn = ParseDate(f[9], "registeredOn", errors),
            CreditClass = f[10],
            Tags = SplitList(f[11]),
        }.Normalize();
        var v = MarketEntityValidator.Validate(record, reference, mode);
        errors.AddRange(v.Errors);
        return (record, errors, v.Flags);
    }

    private static (InspectorRecord?, List<FieldError>, IReadOnlyList<string>) ParseInspector(string[] f, ValidationMode mode, Func<string, bool>? knownDepartment)
    {
        var errors = new List<FieldError>();
        var expires = ParseDate(f[3], "certificateExpiresOn", errors);
        var status = f[5].Trim();
        var record = new InspectorRecord
        {
            CertificateNo = f[0],
            Name = f[1],
            DepartmentCode = f[2],
            CertificateExpiresOn = expires ?? DateOnly.MinValue,
            Specialties = SplitList(f[4]),
            Status = status.Length == 0 ? InspectorStatusCodes.Active : status,
            Conflicts = SplitList(f[6]),
        }.Normalize();
        var v = InspectorValidator.Validate(record, mode, knownDepartment);
        foreach (var e in v.Errors)
        {
            // A date that did not parse is already reported precisely.
            if (!(e.Field == "certificateExpiresOn" && errors.Any(x => x.Field == e.Field)))
            {
                errors.Add(e);
            }
        }

        return (record, errors, []);
    }

    private static (DepartmentRecord?, List<FieldError>, IReadOnlyList<string>) ParseDepartment(string[] f)
    {
        var errors = new List<FieldError>();
        var r = new DepartmentRecord(f[0].Trim(), f[1].Trim(), f[2].Trim());
        FieldRules.Code(errors, "code", r.Code, FieldLimits.DepartmentCodeMax);
        FieldRules.Text(errors, "name", r.Name, required: true, FieldLimits.NameMax);
        if (!ReferenceData.IsSixDigits(r.DivisionCode))
        {
            errors.Add(FieldError.Format("divisionCode", FieldFormats.DivisionCode, $"must be 6 digits, got '{r.DivisionCode}'", r.DivisionCode));
        }

        return (r, errors, []);
    }

    private static (InspectionItemRecord?, List<FieldError>, IReadOnlyList<string>) ParseItem(string[] f, ReferenceData reference)
    {
        var errors = new List<FieldError>();
        var key = f[5].Trim();
        var r = new InspectionItemRecord
        {
            Code = f[0].Trim(),
            Name = f[1].Trim(),
            DepartmentCode = f[2].Trim(),
            LegalBasis = f[3].Trim(),
            Method = f[4].Trim(),
            Key = key is "true" or "1" or "是",
            EntityTypes = SplitList(f[6]),
            Industries = SplitList(f[7]),
            ResultCodes = SplitList(f[8]),
        };
        if (key.Length > 0 && key is not ("true" or "1" or "是" or "false" or "0" or "否"))
        {
            errors.Add(FieldError.Format("key", FieldFormats.Boolean, $"must be true or false, got '{key}'", key));
        }

        errors.AddRange(InspectionItemValidator.Validate(r, reference).Errors);
        return (r, errors, []);
    }

    private static DateOnly? ParseDate(string text, string field, List<FieldError> errors)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d;
        }

        errors.Add(FieldError.Format(field, FieldFormats.Date, $"'{text}' is not a date in the form yyyy-MM-dd", text));
        return null;
    }

    private static string[] SplitList(string text) =>
        text.Length == 0 ? [] : text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // ---- streaming machinery ----

    private delegate (T? Record, List<FieldError> Errors, IReadOnlyList<string> Flags) RowParser<T>(string[] fields);

    private static SepReaderOptions Options() =>
        Sep.New(',').Reader(o => o with { Unescape = true, DisableColCountCheck = true, HasHeader = true });

    private static IEnumerable<CsvReadResult<T>> Read<T>(Stream stream, IReadOnlyList<string> columns, IReadOnlyList<string> required, RowParser<T> parse)
        where T : class
    {
        var head = new byte[HeadBytes];
        var headLength = 0;
        int n;
        while (headLength < head.Length && (n = stream.Read(head, headLength, head.Length - headLength)) > 0) headLength += n;
        if (UnsupportedEncoding(head.AsSpan(0, headLength)) is { } encoding)
        {
            yield return EncodingProblem<T>(encoding);
            yield break;
        }

        var tail = new TailTrackingStream(new PrefixedStream(head, Utf8BomLength(head.AsSpan(0, headLength)), headLength, stream));
        using var text = new StreamReader(tail, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        SepReader reader;
        CsvReadResult<T>? fatal = null;
        try
        {
            reader = Options().From(text);
        }
        catch (DecoderFallbackException)
        {
            reader = null!;
            fatal = InvalidUtf8<T>(1);
        }

        if (fatal is not null)
        {
            yield return fatal;
            yield break;
        }

        using (reader)
        {
            var state = new ReadState<T>(columns, required, parse);
            if (state.CheckHeader(reader.Header) is { } headerError)
            {
                yield return headerError;
                yield break;
            }

            while (!state.Ended)
            {
                bool moved;
                var badUtf8 = false;
                try
                {
                    moved = reader.MoveNext();
                }
                catch (DecoderFallbackException)
                {
                    moved = false;
                    badUtf8 = true;
                }

                foreach (var result in state.AfterMove(moved, badUtf8, reader, tail))
                {
                    yield return result;
                }
            }
        }
    }

    private static async IAsyncEnumerable<CsvReadResult<T>> ReadAsync<T>(Stream stream, IReadOnlyList<string> columns, IReadOnlyList<string> required, RowParser<T> parse, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        var head = new byte[HeadBytes];
        var headLength = 0;
        int n;
        while (headLength < head.Length && (n = await stream.ReadAsync(head.AsMemory(headLength), cancellationToken).ConfigureAwait(false)) > 0) headLength += n;
        if (UnsupportedEncoding(head.AsSpan(0, headLength)) is { } encoding)
        {
            yield return EncodingProblem<T>(encoding);
            yield break;
        }

        var tail = new TailTrackingStream(new PrefixedStream(head, Utf8BomLength(head.AsSpan(0, headLength)), headLength, stream));
        using var text = new StreamReader(tail, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        SepReader? reader = null;
        try
        {
            reader = await Options().FromAsync(text, cancellationToken).ConfigureAwait(false);
        }
        catch (DecoderFallbackException)
        {
            reader = null;
        }

        if (reader is null)
        {
            yield return InvalidUtf8<T>(1);
            yield break;
        }

        using (reader)
        {
            var state = new ReadState<T>(columns, required, parse);
            if (state.CheckHeader(reader.Header) is { } headerError)
            {
                yield return headerError;
                yield break;
            }

            while (!state.Ended)
            {
                bool moved;
                var badUtf8 = false;
                try
                {
                    moved = await reader.MoveNextAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DecoderFallbackException)
                {
                    moved = false;
                    badUtf8 = true;
                }

                foreach (var result in state.AfterMove(moved, badUtf8, reader, tail))
                {
                    yield return result;
                }
            }
        }
    }

    private static CsvReadResult<T> InvalidUtf8<T>(long line)
        where T : class =>
        new(line, null, [FieldError.Format("", FieldFormats.Utf8, $"the file is not valid UTF-8 (invalid bytes at or after line {line}); save it as UTF-8 (Excel: \"CSV UTF-8\"; its plain \"CSV\" on a Chinese Windows is GB18030)")], [], CsvProblem.InvalidUtf8);

    /// <summary>How much of the start the encoding check reads: byte-order marks, and NUL bytes of UTF-16 text in the header line.</summary>
    private const int HeadBytes = 512;

    private static CsvReadResult<T> EncodingProblem<T>(string encoding)
        where T : class =>
        new(1, null, [FieldError.Format("", FieldFormats.Utf8, $"the file is {encoding}: only UTF-8 is accepted (docs/csv-formats.md); save it as UTF-8")], [], CsvProblem.UnsupportedEncoding);

    /// <summary>The encoding a file's first bytes show when it is not UTF-8 (which may start with its byte-order mark), or null.</summary>
    internal static string? UnsupportedEncoding(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return null;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00])) return "UTF-32 (little-endian, byte-order mark FF FE 00 00)";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF])) return "UTF-32 (big-endian, byte-order mark 00 00 FE FF)";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return "UTF-16 (little-endian, byte-order mark FF FE)";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return "UTF-16 (big-endian, byte-order mark FE FF)";
        var firstLine = head.IndexOf((byte)'\n') is var lf and >= 0 ? head[..lf] : head;
        return firstLine.Contains((byte)0) ? "UTF-16 or UTF-32 without a byte-order mark (its header line has NUL bytes)" : null;
    }

    private static int Utf8BomLength(ReadOnlySpan<byte> head) => head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;

    /// <summary>A stream that is only read forward: what the two wrappers below share.</summary>
    private abstract class ForwardReadStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public abstract override int Read(Span<byte> buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The bytes read ahead (from <c>start</c> to <c>end</c> of <c>head</c>), then the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] head, int start, int end, Stream rest) : ForwardReadStream
    {
        private int _at = start;

        public override int Read(Span<byte> buffer)
        {
            if (_at < end)
            {
                var n = Math.Min(buffer.Length, end - _at);
                head.AsSpan(_at, n).CopyTo(buffer);
                _at += n;
                return n;
            }

            return rest.Read(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _at < end ? ValueTask.FromResult(Read(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);
    }

    private sealed class ReadState<T>(IReadOnlyList<string> columns, IReadOnlyList<string> required, RowParser<T> parse)
        where T : class
    {
        private readonly int[] _index = new int[columns.Count];
        private readonly string[] _fields = new string[columns.Count];
        private int _headerCount;
        private int _lastColCount;
        private bool _lastOddQuotes;

        public long LastLine { get; private set; } = 1;

        /// <summary>The row read last, held back until the next read says whether it was the file's last (see <see cref="Finish"/>).</summary>
        private CsvReadResult<T>? _pending;

        /// <summary>True once the file ended or stopped being readable: nothing more is read.</summary>
        public bool Ended { get; private set; }

        /// <summary>
        /// What the readers hand out after one attempt to read the next row (the same for the synchronous and the
        /// asynchronous reader, which differ only in how they move): the row held back before it, or — at the end — that
        /// row finished, or — when the bytes stopped being UTF-8 — that row and the encoding problem.
        /// </summary>
        public IEnumerable<CsvReadResult<T>> AfterMove(bool moved, bool badUtf8, SepReader reader, TailTrackingStream tail)
        {
            var previous = _pending;
            if (badUtf8 || !moved)
            {
                Ended = true;
                _pending = null;
                if (previous is not null) yield return badUtf8 ? previous : Finish(previous, tail.LastByte);
                if (badUtf8) yield return InvalidUtf8<T>(LastLine + 1);
                yield break;
            }

            _pending = Process(reader.Current);
            if (previous is not null) yield return previous;
        }

        public CsvReadResult<T>? CheckHeader(SepReaderHeader header)
        {
            var names = header.ColNames;
            if (header.IsEmpty || names.Count == 0 || (names.Count == 1 && names[0].Length == 0))
            {
                return new CsvReadResult<T>(1, null, [FieldError.Required("", "the file is empty; expected a header line: " + string.Join(",", columns))], [], CsvProblem.Empty);
            }

            _headerCount = names.Count;
            var positions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < names.Count; i++)
            {
                positions.TryAdd(names[i].Trim().TrimStart('\uFEFF'), i);
            }

            var missing = required.Where(c => !positions.ContainsKey(c)).ToList();
            if (missing.Count > 0)
            {
                var found = string.Join(", ", names.Take(6).Select(n => n.Length > 30 ? n[..30] + "…" : n));
                return new CsvReadResult<T>(1, null,
                    [FieldError.Format("", FieldFormats.Csv, $"not a valid CSV for this directory: missing column(s) {string.Join(", ", missing)}; the header line has: {found}")],
                    [], CsvProblem.WrongHeader);
            }

            for (var i = 0; i < columns.Count; i++)
            {
                _index[i] = positions.TryGetValue(columns[i], out var p) ? p : -1;
            }

            return null;
        }

        public CsvReadResult<T> Process(SepReader.Row row)
        {
            var line = row.LineNumberFrom;
            LastLine = row.LineNumberToExcl - 1;
            _lastColCount = row.ColCount;
            _lastOddQuotes = row.Span.Count('"') % 2 == 1;
            if (_lastOddQuotes)
            {
                return new CsvReadResult<T>(line, null, [FieldError.Unreadable("", "a quoted field is not closed")], [], CsvProblem.InvalidRow);
            }

            if (row.ColCount != _headerCount)
            {
                if (row.ColCount == 1 && row.Span.Trim().IsEmpty)
                {
                    return new CsvReadResult<T>(line, null, [FieldError.Required("", "empty line")], [], CsvProblem.InvalidRow);
                }

                return new CsvReadResult<T>(line, null, [FieldError.Format("", FieldFormats.Csv, $"expected {_headerCount} fields, found {row.ColCount}")], [], CsvProblem.InvalidRow);
            }

            for (var i = 0; i < _fields.Length; i++)
            {
                _fields[i] = _index[i] >= 0 ? row[_index[i]].ToString() : "";
            }

            var (record, errors, flags) = parse(_fields);
            return errors.Count == 0
                ? new CsvReadResult<T>(line, record, [], flags, CsvProblem.None)
                : new CsvReadResult<T>(line, null, errors, [], CsvProblem.InvalidRow);
        }

        /// <summary>Re-labels the last row when the file visibly stops mid-record.</summary>
        public CsvReadResult<T> Finish(CsvReadResult<T> last, int lastByte)
        {
            if (_lastOddQuotes)
            {
                return last with
                {
                    Errors = [FieldError.Unreadable("", $"the file ends inside a quoted field that starts on line {last.LineNumber}; it looks truncated")],
                    Problem = CsvProblem.Truncated,
                };
            }

            var endsWithNewline = lastByte is '\n' or '\r';
            if (!endsWithNewline && _lastColCount < _headerCount)
            {
                return last with
                {
                    Record = null,
                    Flags = [],
                    Errors = [FieldError.Unreadable("", $"the last line has {_lastColCount} of {_headerCount} fields and no line end; the file looks truncated")],
                    Problem = CsvProblem.Truncated,
                };
            }

            return last;
        }
    }

    /// <summary>Pass-through read-only stream that remembers the last byte read (to tell a truncated last line).</summary>
    private sealed class TailTrackingStream(Stream inner) : ForwardReadStream
    {
        public int LastByte { get; private set; } = -1;

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            if (n > 0)
            {
                LastByte = buffer[n - 1];
            }

            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n > 0)
            {
                LastByte = buffer.Span[n - 1];
            }

            return n;
        }

    }
}

/// <summary>Validates <see cref="InspectionItemRecord"/>s.</summary>
public static class InspectionItemValidator
{
    public static RecordValidation Validate(InspectionItemRecord r, ReferenceData reference)
    {
        var errors = new List<FieldError>();
        FieldRules.Code(errors, "code", r.Code, FieldLimits.DepartmentCodeMax);
        FieldRules.Text(errors, "name", r.Name, required: true, FieldLimits.NameMax);
        FieldRules.Code(errors, "departmentCode", r.DepartmentCode, FieldLimits.DepartmentCodeMax);
        FieldRules.Text(errors, "legalBasis", r.LegalBasis, required: true, 1000);
        if (!InspectionMethods.All.Contains(r.Method))
        {
            errors.Add(FieldError.UnknownValue("method", r.Method, InspectionMethods.All));
        }

        if (r.EntityTypes.FirstOrDefault(t => !reference.IsValidEntityType(t)) is { } badType)
        {
            errors.Add(FieldError.UnknownValue("entityTypes", badType, reason: $"unknown entity type '{badType}'"));
        }

        if (r.Industries.FirstOrDefault(i => !reference.IsValidIndustry(i)) is { } badIndustry)
        {
            errors.Add(FieldError.UnknownValue("industries", badIndustry, reason: $"unknown industry code '{badIndustry}'"));
        }

        if (r.ResultCodes.Count == 0)
        {
            errors.Add(FieldError.TooFew("resultCodes", 1, "at least one result code is required"));
        }
        else if (r.ResultCodes.FirstOrDefault(c => !reference.IsValidResultCode(c)) is { } badCode)
        {
            errors.Add(FieldError.UnknownValue("resultCodes", badCode, reason: $"unknown result code '{badCode}'"));
        }

        return errors.Count == 0 ? RecordValidation.Ok : new RecordValidation(errors, []);
    }
}
