using Supervision.Core.Draw;
using Supervision.Core.Tasks;

namespace Supervision.Infrastructure.Tasks;

/// <summary>
/// What a freeze fixed besides the snapshot; <see cref="ExclusionsSha256"/> commits to the excluded members (draw-spec §9.3),
/// <see cref="MembersSha256"/> to the class-free members file (§11.1); <see cref="Scope"/> is the items' object scope the
/// population was limited to (the restricting items only; empty when every item applies to every entity). Each is null
/// for freezes older than it.
/// </summary>
public sealed record FreezeSummary(int DrawYear, int YearlyCap, IReadOnlyList<ExclusionCount> Excluded, DateTimeOffset FrozenAt, string? ExclusionsSha256 = null,
    string? MembersSha256 = null, IReadOnlyList<ItemScope>? Scope = null);

/// <summary>A freeze refused after its census (e.g. a sample the inspectors cannot staff): nothing was committed.</summary>
public sealed class FreezeRefusedException(string reason) : Exception(reason);
