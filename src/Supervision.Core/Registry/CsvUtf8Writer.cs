using System.Text;
using Supervision.Core.Text;

namespace Supervision.Core.Registry;

/// <summary>
/// A small buffered RFC 4180 writer straight to UTF-8 bytes (no BOM, CRLF line ends). A field is
/// quoted when it contains a comma, a quote, CR or LF, or starts/ends with a space; quotes inside
/// are doubled. For files people open (error reports), <c>neutralizeFormulas</c> puts a single quote in front of
/// a field a spreadsheet would take for a formula (starting with = + - @, tab or CR; <see cref="SpreadsheetCells"/>);
/// files the importer reads back (the directory formats, the generator) are written as they are, so that what
/// is exported imports unchanged. Faster than going through a TextWriter for the multi-million-row generator.
/// </summary>
public sealed class CsvUtf8Writer : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer;
    private int _pos;
    private readonly bool _neutralizeFormulas;
    private bool _rowStarted;

    public CsvUtf8Writer(Stream stream, int bufferSize = 1 << 16, bool leaveOpen = true, bool neutralizeFormulas = false)
    {
        _neutralizeFormulas = neutralizeFormulas;
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[Math.Max(bufferSize, 1024)];
    }

    public void WriteField(string? value) => WriteField(value.AsSpan());

    public void WriteField(ReadOnlySpan<char> value)
    {
        if (_rowStarted)
        {
            PutByte((byte)',');
        }

        _rowStarted = true;
        var prefix = _neutralizeFormulas && SpreadsheetCells.IsFormulaLike(value);
        if (!NeedsQuotes(value))
        {
            if (prefix) PutByte((byte)'\'');
            PutChars(value);
            return;
        }

        PutByte((byte)'"');
        if (prefix) PutByte((byte)'\'');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '"')
            {
                PutChars(value[start..(i + 1)]);
                PutByte((byte)'"');
                start = i + 1;
            }
        }

        PutChars(value[start..]);
        PutByte((byte)'"');
    }

    /// <summary>Writes a field already known to need no quoting and to be ASCII (codes, dates, numbers), as it is.</summary>
    public void WriteAsciiField(ReadOnlySpan<char> value)
    {
        if (_rowStarted)
        {
            PutByte((byte)',');
        }

        _rowStarted = true;
        Ensure(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            _buffer[_pos++] = (byte)value[i];
        }
    }

    /// <summary>Writes list items joined by ';' as one field.</summary>
    public void WriteListField(IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            WriteField(ReadOnlySpan<char>.Empty);
        }
        else if (items.Count == 1)
        {
            WriteField(items[0]);
        }
        else
        {
            WriteField(string.Join(';', items));
        }
    }

    public void WriteDateField(DateOnly? date)
    {
        if (date is { } d)
        {
            Span<char> buf = stackalloc char[10];
            d.TryFormat(buf, out var n, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            WriteAsciiField(buf[..n]);
        }
        else
        {
            WriteAsciiField(ReadOnlySpan<char>.Empty);
        }
    }

    public void EndRow()
    {
        Ensure(2);
        _buffer[_pos++] = (byte)'\r';
        _buffer[_pos++] = (byte)'\n';
        _rowStarted = false;
    }

    public void WriteRow(params ReadOnlySpan<string> fields)
    {
        foreach (var f in fields)
        {
            WriteField(f);
        }

        EndRow();
    }

    public void Flush()
    {
        if (_pos > 0)
        {
            _stream.Write(_buffer, 0, _pos);
            _pos = 0;
        }

        _stream.Flush();
    }

    public void Dispose()
    {
        Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private static bool NeedsQuotes(ReadOnlySpan<char> value) =>
        value.Length > 0 && (value.IndexOfAny(",\"\r\n") >= 0 || value[0] == ' ' || value[^1] == ' ');

    private void PutByte(byte b)
    {
        Ensure(1);
        _buffer[_pos++] = b;
    }

    private void PutChars(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        Ensure(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _pos += Encoding.UTF8.GetBytes(chars, _buffer.AsSpan(_pos));
    }

    private void Ensure(int bytes)
    {
        if (_pos + bytes <= _buffer.Length)
        {
            return;
        }

        if (_pos > 0)
        {
            _stream.Write(_buffer, 0, _pos);
            _pos = 0;
        }

        if (bytes > _buffer.Length)
        {
            _buffer = new byte[bytes];
        }
    }
}
