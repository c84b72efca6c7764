using System.ComponentModel.DataAnnotations;
using Supervision.Core.Objections;

namespace Supervision.Infrastructure.Objections;

/// <summary>Tunables of statements and objections, bound from "Supervision:Objections" and checked at start (docs/operations.md).</summary>
public sealed class ObjectionOptions
{
    public const string Section = "Supervision:Objections";

    /// <summary>Working days after a result's publication date during which the entity may send a statement or an objection.</summary>
    [Range(1, 120)]
    public int SubmissionWorkingDays { get; set; } = ObjectionWorkflow.DefaultSubmissionWorkingDays;

    /// <summary>Working days after the day of an objection by which the publishing department decides it.</summary>
    [Range(1, 60)]
    public int DecisionWorkingDays { get; set; } = ObjectionWorkflow.DefaultDecisionWorkingDays;

    /// <summary>The most files one submission carries.</summary>
    [Range(0, 20)]
    public int MaxAttachments { get; set; } = AttachmentPolicy.DefaultMaxFiles;

    /// <summary>The largest file, in bytes (PDF, JPEG, PNG).</summary>
    [Range(1024, 50L * 1024 * 1024)]
    public long MaxAttachmentBytes { get; set; } = AttachmentPolicy.DefaultMaxBytes;

    public AttachmentPolicy ToPolicy() => new(MaxAttachments, MaxAttachmentBytes, AttachmentPolicy.DefaultMediaTypes);
}
