using System.Text.Json;
using Supervision.Core.Draw;
using Supervision.Core.Tasks;

namespace Supervision.Infrastructure.Tasks;

/// <summary>A row of the draw_tasks read model: the task's public face and its current state.</summary>
public sealed record TaskRow
{
    public required string TaskId { get; init; }
    public required string Name { get; init; }
    public required string LeadDepartment { get; init; }
    public required string Departments { get; init; }
    public required string Status { get; init; }
    public long Version { get; init; }
    public required string DefinitionJson { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    public string? PopulationSha256 { get; init; }

    /// <summary>The SHA-256 of the inspectors list frozen with the population (schema 0022); null for tasks frozen before.</summary>
    public string? InspectorsSha256 { get; init; }

    /// <summary>The last matching reminder sent (schema 0032: <see cref="MatchingReminders"/>), null before the first; not a transition, so not versioned.</summary>
    public string? MatchingReminded { get; init; }
    public long? PopulationCount { get; init; }
    public int? PartitionCount { get; init; }
    public string? ExclusionsJson { get; init; }
    public string? SecretCommitment { get; init; }
    public string EntropyJson { get; init; } = "[]";

    /// <summary>The witnessed seed ceremony (schema 0024, draw-spec §3.3), from the freeze on; null for a v1 seed.</summary>
    public string? CeremonyJson { get; init; }

    public Ceremony? Ceremony => CeremonyJson is null ? null : JsonSerializer.Deserialize<Ceremony>(CeremonyJson, Json);

    /// <summary>
    /// Schema 0025: a cancellation after the draw began, waiting for approval (<see cref="CancelRequest"/>) or decided
    /// (<see cref="CancelDecision"/>, the last one); null when none was asked.
    /// </summary>
    public string? CancelRequestJson { get; init; }

    /// <summary>The pending cancellation request, if one waits for approval.</summary>
    public CancelRequest? PendingCancel => Cancellation().Pending;

    /// <summary>The last decided cancellation request, if any.</summary>
    public CancelDecision? CancelDecision => Cancellation().Decided;

    /// <summary>The cancellation column read once: a decision (it has a "decision") or a request still waiting.</summary>
    private (CancelRequest? Pending, CancelDecision? Decided) Cancellation()
    {
        if (CancelRequestJson is not { } json) return (null, null);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.TryGetProperty("decision", out _)
            ? (null, root.Deserialize<CancelDecision>(Json))
            : (root.Deserialize<CancelRequest>(Json), null);
    }

    /// <summary>The cancelled task this one redraws, and the task that redraws this one (schema 0025).</summary>
    public string? Replaces { get; init; }

    public string? ReplacedBy { get; init; }
    public string? BeaconJson { get; init; }

    /// <summary>When dispatch began (schema 0027): from then on the teams dispatch reads are fixed, and a replacement changes an inspection.</summary>
    public DateTimeOffset? DispatchStartedAt { get; init; }
    public string ParticipationJson { get; init; } = "{}";
    public required string CreatedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> DepartmentList => Departments.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public TaskDefinition Definition => JsonSerializer.Deserialize<TaskDefinition>(DefinitionJson, Json)!;

    public IReadOnlyList<EntropyEntry> Entropy => JsonSerializer.Deserialize<EntropyEntry[]>(EntropyJson, Json)!;

    public BeaconValue? Beacon => BeaconJson is null ? null : JsonSerializer.Deserialize<BeaconValue>(BeaconJson, Json);

    /// <summary>The participating departments' answers (joint tasks by consent).</summary>
    public IReadOnlyDictionary<string, ParticipationDecision> Participation =>
        JsonSerializer.Deserialize<Dictionary<string, ParticipationDecision>>(ParticipationJson, Json)!;

    public FreezeSummary? Freeze => ExclusionsJson is null ? null : JsonSerializer.Deserialize<FreezeSummary>(ExclusionsJson, Json);

    /// <summary>The options the row's JSON columns are written and read with (web defaults).</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A value as the row's JSON columns hold it.</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);
}

/// <summary>Thrown inside a transaction when the task row moved under us: the whole transaction rolls back.</summary>
public sealed class TaskVersionConflictException(string taskId) : Exception($"Task {taskId} changed concurrently.");
