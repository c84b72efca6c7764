using System.Text;

namespace Supervision.Core.Draw;

/// <summary>
/// The canonical snapshot (docs/draw-spec.md §4) cut into chunks of whole lines: chunk 0 starts with the header line,
/// every chunk ends with LF, and the concatenation of the chunks in order is exactly the canonical file, so the
/// published SHA-256 is computed over the chunks as they are written and the download is their concatenation.
/// Member ids travel as <see cref="UInt128"/> base-36 codes (18 characters of [0-9A-Z]); because the digit values
/// follow ASCII order, numeric order of the codes is the ordinal order of the ids.
/// </summary>
public static class SnapshotChunks
{
    public const int IdLength = 18;

    private static readonly byte[] HeaderLine = Encoding.ASCII.GetBytes(PopulationSnapshot.Header + "\n");

    /// <summary>The 18-character id as a base-36 number; false when it is not 18 characters of [0-9A-Z].</summary>
    public static bool TryEncode(ReadOnlySpan<byte> id, out UInt128 code)
    {
        code = UInt128.Zero;
        if (id.Length != IdLength) return false;
        // Two 9-digit halves in 64-bit arithmetic (36^9 < 2^47), then one 128-bit multiply-add: the same number.
        ulong hi = 0, lo = 0;
        for (var i = 0; i < IdLength / 2; i++)
        {
            var d = Digit(id[i]);
            if (d < 0) return false;
            hi = hi * 36 + (uint)d;
        }
        for (var i = IdLength / 2; i < IdLength; i++)
        {
            var d = Digit(id[i]);
            if (d < 0) return false;
            lo = lo * 36 + (uint)d;
        }
        code = (UInt128)hi * Pow36Half + lo;
        return true;
    }

    private const ulong Pow36Half = 101_559_956_668_416; // 36^9

    private static int Digit(byte b) => b is >= (byte)'0' and <= (byte)'9' ? b - '0' : b is >= (byte)'A' and <= (byte)'Z' ? b - 'A' + 10 : -1;

    public static bool TryEncode(string id, out UInt128 code)
    {
        Span<byte> bytes = stackalloc byte[IdLength];
        if (id.Length != IdLength || Encoding.ASCII.GetByteCount(id) != IdLength) { code = default; return false; }
        Encoding.ASCII.GetBytes(id, bytes);
        return TryEncode(bytes, out code);
    }

    /// <summary>Writes the 18 ASCII characters of <paramref name="code"/> into <paramref name="into"/>.</summary>
    public static void Decode(UInt128 code, Span<byte> into)
    {
        for (var i = IdLength - 1; i >= 0; i--)
        {
            var digit = (int)(code % 36);
            code /= 36;
            into[i] = (byte)(digit < 10 ? '0' + digit : 'A' + digit - 10);
        }
    }

    public static string DecodeToString(UInt128 code)
    {
        Span<byte> bytes = stackalloc byte[IdLength];
        Decode(code, bytes);
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>
    /// Builds chunk <paramref name="chunkNo"/>: the canonical lines of <paramref name="ids"/> (sorted, strictly increasing)
    /// with strata <paramref name="strata"/>[<paramref name="classOf"/>[i]] and the canonical weight text of that stratum,
    /// preceded by the header line when it is chunk 0. Also returns the members in <paramref name="members"/>, unless
    /// that span is empty (the freeze takes its census from the chunk bytes and needs no member strings).
    /// </summary>
    public static byte[] Build(int chunkNo, ReadOnlySpan<UInt128> ids, ReadOnlySpan<byte> classOf, IReadOnlyList<string> strata,
        IReadOnlyList<long> weightMicros, Span<PopulationMember> members)
    {
        var strataBytes = strata.Select(s => Encoding.ASCII.GetBytes(s)).ToArray();
        var weightBytes = weightMicros.Select(w => Encoding.ASCII.GetBytes(Weights.Format(w))).ToArray();
        long size = chunkNo == 0 ? HeaderLine.Length : 0;
        foreach (var c in classOf) size += IdLength + 3 + strataBytes[c].Length + weightBytes[c].Length;
        var data = new byte[size];
        var at = 0;
        if (chunkNo == 0)
        {
            HeaderLine.CopyTo(data, 0);
            at = HeaderLine.Length;
        }
        for (var i = 0; i < ids.Length; i++)
        {
            if (i > 0 && ids[i] <= ids[i - 1]) throw new ArgumentException("member ids must be strictly increasing", nameof(ids));
            var c = classOf[i];
            var line = data.AsSpan(at);
            Decode(ids[i], line);
            if (!members.IsEmpty) members[i] = new PopulationMember(Encoding.ASCII.GetString(line[..IdLength]), strata[c], weightMicros[c]);
            at += IdLength;
            data[at++] = (byte)',';
            strataBytes[c].CopyTo(data, at);
            at += strataBytes[c].Length;
            data[at++] = (byte)',';
            weightBytes[c].CopyTo(data, at);
            at += weightBytes[c].Length;
            data[at++] = (byte)'\n';
        }
        return data;
    }

    private static readonly System.Buffers.SearchValues<byte> IdBytes =
        System.Buffers.SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"u8);

    /// <summary>
    /// Reads one chunk line by line as strictly as <see cref="Parse"/> (the same rules, the same exceptions) without
    /// creating a string per member: the id stays a slice of the chunk. <see cref="Stratum"/> is the index of the
    /// line's stratum in the strata given, or -1 for a valid stratum that is not among them.
    /// </summary>
    public ref struct LineReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly byte[][] _strata;
        private readonly (byte[] Text, long Micros)[] _weights;
        private int _weightCount;
        private int _pos;
        private int _previous;

        public LineReader(ReadOnlySpan<byte> chunk, bool first, byte[][] strataBytes)
        {
            if (first)
            {
                if (!chunk.StartsWith(HeaderLine)) throw new FormatException($"The snapshot must start with the header line '{PopulationSnapshot.Header}'.");
                _pos = HeaderLine.Length;
            }
            _data = chunk;
            _strata = strataBytes;
            _weights = new (byte[], long)[16];
            _previous = -1;
            Id = default;
        }

        /// <summary>The 18 ASCII bytes of the current member id.</summary>
        public ReadOnlySpan<byte> Id { get; private set; }

        /// <summary>Offset of the current id in the chunk.</summary>
        public int IdOffset { get; private set; }

        public int Stratum { get; private set; }

        public long WeightMicros { get; private set; }

        public static byte[][] Strata(IReadOnlyList<string> strata) => strata.Select(s => Encoding.ASCII.GetBytes(s)).ToArray();

        public bool Next()
        {
            if (_pos >= _data.Length) return false;
            var rest = _data[_pos..];
            var end = rest.IndexOf((byte)'\n');
            if (end < 0) throw new FormatException("A snapshot chunk must end with a line feed.");
            var line = rest[..end];
            var lineStart = _pos;
            _pos += end + 1;
            if (line.Length < IdLength + 4 || line[IdLength] != (byte)',' || line[..IdLength].ContainsAnyExcept(IdBytes))
                throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': expected an 18-character member id and a comma.");
            var id = line[..IdLength];
            // [0-9A-Z] sort in ASCII order as the base-36 digits do, so byte order is the order of the codes.
            if (_previous >= 0 && id.SequenceCompareTo(_data.Slice(_previous, IdLength)) <= 0)
                throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': member ids must be strictly increasing.");
            _previous = lineStart;
            var fields = line[(IdLength + 1)..];
            var comma = fields.IndexOf((byte)',');
            if (comma < 0) throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': expected 3 fields.");
            var stratumBytes = fields[..comma];
            var stratum = -1;
            for (var s = 0; s < _strata.Length; s++)
            {
                if (stratumBytes.SequenceEqual(_strata[s])) { stratum = s; break; }
            }
            if (stratum < 0 && !DrawPrimitives.IsValidStratum(Encoding.ASCII.GetString(stratumBytes)))
                throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': stratum '{Encoding.ASCII.GetString(stratumBytes)}' is not 1-16 characters of [0-9A-Za-z_-].");
            var weightBytes = fields[(comma + 1)..];
            var micros = 0L;
            for (var w = 0; w < _weightCount; w++)
            {
                if (weightBytes.SequenceEqual(_weights[w].Text)) { micros = _weights[w].Micros; break; }
            }
            if (micros == 0)
            {
                var weightText = Encoding.ASCII.GetString(weightBytes);
                if (!Weights.TryParseCanonical(weightText, out micros) || micros > Weights.MaxMicros)
                    throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': weight '{weightText}' is not canonical.");
                if (_weightCount < _weights.Length) _weights[_weightCount++] = (weightBytes.ToArray(), micros);
            }
            Id = id;
            IdOffset = lineStart;
            Stratum = stratum;
            WeightMicros = micros;
            return true;
        }
    }

    /// <summary>
    /// Strictly parses one chunk into <paramref name="into"/> (returns how many members): the header line first iff
    /// <paramref name="first"/>, then canonical lines with increasing ids. Strata equal to one of <paramref name="strata"/>
    /// share that string instance. Any deviation throws <see cref="FormatException"/>.
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> chunk, bool first, IReadOnlyList<string> strata, Span<PopulationMember> into)
    {
        var strataBytes = strata.Select(s => Encoding.ASCII.GetBytes(s)).ToArray();
        if (first)
        {
            if (!chunk.StartsWith(HeaderLine)) throw new FormatException($"The snapshot must start with the header line '{PopulationSnapshot.Header}'.");
            chunk = chunk[HeaderLine.Length..];
        }
        var n = 0;
        UInt128 previous = default;
        var weights = new List<(byte[] Text, long Micros)>();
        while (!chunk.IsEmpty)
        {
            var end = chunk.IndexOf((byte)'\n');
            if (end < 0) throw new FormatException("A snapshot chunk must end with a line feed.");
            var line = chunk[..end];
            chunk = chunk[(end + 1)..];
            if (line.Length < IdLength + 4 || line[IdLength] != (byte)',' || !TryEncode(line[..IdLength], out var code))
                throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': expected an 18-character member id and a comma.");
            if (n > 0 && code <= previous) throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': member ids must be strictly increasing.");
            previous = code;
            var rest = line[(IdLength + 1)..];
            var comma = rest.IndexOf((byte)',');
            if (comma < 0) throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': expected 3 fields.");
            var stratumBytes = rest[..comma];
            string? stratum = null;
            for (var s = 0; s < strataBytes.Length; s++)
            {
                if (stratumBytes.SequenceEqual(strataBytes[s])) { stratum = strata[s]; break; }
            }
            stratum ??= Encoding.ASCII.GetString(stratumBytes);
            if (!DrawPrimitives.IsValidStratum(stratum))
                throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': stratum '{stratum}' is not 1-16 characters of [0-9A-Za-z_-].");
            // Weights repeat (one per stratum in practice): parse each distinct text once.
            var weightBytes = rest[(comma + 1)..];
            var micros = 0L;
            foreach (var (text, value) in weights)
            {
                if (weightBytes.SequenceEqual(text)) { micros = value; break; }
            }
            if (micros == 0)
            {
                var weightText = Encoding.ASCII.GetString(weightBytes);
                if (!Weights.TryParseCanonical(weightText, out micros) || micros > Weights.MaxMicros)
                    throw new FormatException($"Snapshot line '{Encoding.ASCII.GetString(line)}': weight '{weightText}' is not canonical.");
                if (weights.Count < 16) weights.Add((weightBytes.ToArray(), micros));
            }
            var member = new PopulationMember(Encoding.ASCII.GetString(line[..IdLength]), stratum, micros);
            into[n++] = member;
        }
        return n;
    }
}
