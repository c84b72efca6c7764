using System.Text.Json;
using System.Text.Json.Serialization;

namespace Supervision.Core.Feeds;

/// <summary>
/// The kinds of public change the event log records (docs/webhooks.md, "Event kinds"), each with its title in both
/// languages for the Atom feeds. <b>Adding a kind is one line here</b> — its name and titles — plus one call of
/// <c>PublicEvents.AppendAsync</c> (Infrastructure/Feeds) in the transaction that makes the change public; feeds,
/// filters and webhooks need nothing else.
/// </summary>
public static class PublicEventKinds
{
    public const string TaskPublished = "task-published";
    public const string Drawn = "drawn";
    public const string ResultPublished = "result-published";
    public const string AmendmentPublished = "amendment-published";
    public const string AbnormalListed = "abnormal-listed";
    public const string AbnormalEscalated = "abnormal-escalated";
    public const string AbnormalRemoved = "abnormal-removed";
    public const string StatementPublished = "statement-published";
    public const string ObjectionDecided = "objection-decided";

    /// <summary>Every kind with its Chinese and English title (the feed entry's title starts with it).</summary>
    public static readonly IReadOnlyDictionary<string, (string Zh, string En)> Titles = new Dictionary<string, (string Zh, string En)>(StringComparer.Ordinal)
    {
        [TaskPublished] = ("抽查任务公示", "Inspection task published"),
        [Drawn] = ("列入抽查名单", "Drawn for inspection"),
        [ResultPublished] = ("抽查结果公示", "Inspection result published"),
        [AmendmentPublished] = ("抽查结果更正公示", "Amended inspection result published"),
        [AbnormalListed] = ("列入经营异常名录", "Listed as operating abnormally"),
        [AbnormalEscalated] = ("列入严重违法失信名单", "Moved to the serious-violation list"),
        [AbnormalRemoved] = ("移出经营异常名录", "Removed from the abnormal-operations list"),
        [StatementPublished] = ("主体陈述公示", "Entity's statement published"),
        [ObjectionDecided] = ("主体异议处理结果公示", "Decision on the entity's objection published"),
    };

    public static bool IsKnown(string kind) => Titles.ContainsKey(kind);
}

/// <summary>
/// One public change as the log keeps it: a stable id, its kind, what it is about (entity, lead or deciding department,
/// division, task), when, and the public payload (only what the portal shows: never a credit class, findings text or an
/// inspector's certificate or contact).
/// </summary>
public sealed record PublicEvent(
    long Seq,
    string EventId,
    string Kind,
    string? EntityCreditCode,
    string? EntityName,
    string Department,
    string? DivisionCode,
    string? TaskId,
    DateTimeOffset OccurredAt,
    string PayloadJson)
{
    /// <summary>The payload's JSON: camelCase names, nulls left out (the same as the webhook body's <c>data</c>).</summary>
    public static readonly JsonSerializerOptions PayloadJsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A new event (the log gives it its seq when it is appended).</summary>
    public static PublicEvent Of(string kind, string? entityCreditCode, string? entityName, string department, string? divisionCode, string? taskId,
        DateTimeOffset occurredAt, object payload)
    {
        if (!PublicEventKinds.IsKnown(kind)) throw new ArgumentException($"unknown public event kind '{kind}': add it to PublicEventKinds.Titles", nameof(kind));
        return new(0, Guid.NewGuid().ToString("N"), kind, entityCreditCode, entityName, department, divisionCode, taskId, occurredAt,
            JsonSerializer.Serialize(payload, PayloadJsonOptions));
    }

    /// <summary>The portal page the change is shown on: the entity's page, else the task's (relative to the portal's root).</summary>
    public string PublicPath => EntityCreditCode is { } code ? "/entities/" + Uri.EscapeDataString(code)
        : TaskId is { } task ? "/tasks/" + Uri.EscapeDataString(task) : "/";

    /// <summary>The entry's title: the kind's title, then what it is about.</summary>
    public string Title(bool english)
    {
        var (zh, en) = PublicEventKinds.Titles.TryGetValue(Kind, out var t) ? t : (Kind, Kind);
        var about = EntityName is { } name ? $"{name} ({EntityCreditCode})" : TaskId ?? Department;
        return $"{(english ? en : zh)}: {about}";
    }
}
