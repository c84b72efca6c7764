using BenchmarkDotNet.Attributes;
using Supervision.Core.Registry;

namespace Supervision.Benchmarks;

/// <summary>Synthetic-directory generation and CSV writing; run with <c>--filter *GeneratorBenchmarks*</c>.</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private SyntheticDirectory _generator = null!;

    [GlobalSetup]
    public void Setup() => _generator = new SyntheticDirectory(42, 5_000_000, 20_000);

    [Benchmark(Description = "credit code (Complete)")]
    public string CompleteCreditCode() => CreditCode.Complete("91210102MA0QWERT");

    [Benchmark(Description = "credit code (Validate)")]
    public bool ValidateCreditCode() => CreditCode.Validate("91350100M000100Y43").IsValid;

    [Benchmark(Description = "one entity record", OperationsPerInvoke = 1000)]
    public int GenerateEntity()
    {
        var n = 0;
        for (var i = 0; i < 1000; i++)
        {
            n += _generator.Entity(i * 4999L).Name.Length;
        }

        return n;
    }

    [Benchmark(Description = "100,000 entities to CSV (parallel chunks)")]
    public long WriteEntitiesCsv()
    {
        var small = new SyntheticDirectory(42, 100_000, 0);
        using var sink = new CountingStream();
        small.WriteEntitiesCsv(sink);
        return sink.Count;
    }

    private sealed class CountingStream : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Count += count;
    }
}
