using Supervision.Core.Feeds;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Feeds;

/// <summary>
/// Reads the public event log (schema 0036) for the Atom feeds and the webhook dispatcher: the events within a filter,
/// newest first before a seq (the feeds' pages) or oldest first after one (a subscription's cursor).
/// </summary>
public sealed class FeedQueries(SqlStore store)
{
    internal const string Columns =
        "seq AS Seq, event_id AS EventId, kind AS Kind, entity_credit_code AS EntityCreditCode, entity_name AS EntityName, department AS Department, " +
        "division_code AS DivisionCode, task_id AS TaskId, occurred_at AS OccurredAt, payload_json AS PayloadJson";

    /// <summary>The SQL condition of <paramref name="filter"/> over public_events (the same rule as <see cref="EventFilter.Matches"/>), bound to @value.</summary>
    internal static string Where(EventFilter filter, string alias = "") => filter.Kind switch
    {
        EventFilter.Entity => $"{alias}entity_credit_code = @value",
        EventFilter.Department => $"{alias}department = @value",
        // The value is digits only (EventFilter.Parse), so it needs no LIKE escape.
        EventFilter.Area => $"{alias}division_code LIKE @value || '%'",
        _ => "1 = 1",
    };

    /// <summary>Up to <paramref name="limit"/> events of the filter, newest first, below <paramref name="before"/> (a seq) when given.</summary>
    public async Task<IReadOnlyList<PublicEvent>> NewestAsync(EventFilter filter, long? before, int limit, CancellationToken ct = default) =>
        [.. (await store.QueryAsync<Row>(
            $"SELECT {Columns} FROM public_events WHERE {Where(filter)} AND seq < @before ORDER BY seq DESC LIMIT {limit}",
            new { value = filter.Value, before = before ?? long.MaxValue }, ct)).Select(r => r.ToEvent())];

    /// <summary>Up to <paramref name="limit"/> events of the filter after <paramref name="after"/>, oldest first.</summary>
    public async Task<IReadOnlyList<PublicEvent>> AfterAsync(EventFilter filter, long after, int limit, CancellationToken ct = default) =>
        [.. (await store.QueryAsync<Row>(
            $"SELECT {Columns} FROM public_events WHERE {Where(filter)} AND seq > @after ORDER BY seq LIMIT {limit}",
            new { value = filter.Value, after }, ct)).Select(r => r.ToEvent())];

    /// <summary>The newest seq of the log (0 when empty).</summary>
    public async Task<long> LastSeqAsync(CancellationToken ct = default) =>
        await store.ExecuteScalarAsync<long?>("SELECT max(seq) FROM public_events", null, ct) ?? 0;

    internal sealed class Row
    {
        public long Seq { get; init; }
        public string EventId { get; init; } = "";
        public string Kind { get; init; } = "";
        public string? EntityCreditCode { get; init; }
        public string? EntityName { get; init; }
        public string Department { get; init; } = "";
        public string? DivisionCode { get; init; }
        public string? TaskId { get; init; }
        public DateTimeOffset OccurredAt { get; init; }
        public string PayloadJson { get; init; } = "";

        public PublicEvent ToEvent() => new(Seq, EventId, Kind, EntityCreditCode, EntityName, Department, DivisionCode, TaskId, OccurredAt, PayloadJson);
    }
}
