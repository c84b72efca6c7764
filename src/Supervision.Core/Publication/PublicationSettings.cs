using Supervision.Core.Validation;

namespace Supervision.Core.Publication;

/// <summary>
/// One department's publication settings: whether its approved results are published with the approval (<see cref="Automatic"/>)
/// or by a publisher (<see cref="Publisher"/>), and whether team members' names are published; <see cref="Version"/> is the
/// department's.
/// </summary>
public sealed record PublicationSettings(string DepartmentCode, string PublishMode, bool PublishTeamNames, long Version)
{
    public const string Automatic = "automatic";
    public const string Publisher = "publisher";

    public static readonly IReadOnlyList<string> Modes = [Automatic, Publisher];

    /// <summary>True when a department set to <paramref name="publishMode"/> publishes with the approval, in the same commit.</summary>
    public static bool PublishesAutomatically(string? publishMode) => publishMode == Automatic;

    /// <summary>
    /// The settings a change asks for — what it names, the rest as they are — or the refusal naming the field: a publish mode
    /// other than <see cref="Modes"/>. The version is the caller's to check and to move.
    /// </summary>
    public (PublicationSettings? Next, FieldError? Error) Change(string? publishMode, bool? publishTeamNames)
    {
        var mode = publishMode ?? PublishMode;
        if (!Modes.Contains(mode, StringComparer.Ordinal)) return (null, FieldError.UnknownValue("publishMode", mode, Modes, "must be 'automatic' or 'publisher'"));
        return (this with { PublishMode = mode, PublishTeamNames = publishTeamNames ?? PublishTeamNames }, null);
    }
}
