using Supervision.Core.Identity;
using Supervision.Core.Publication;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Publication;

/// <summary>Publication settings' write path (<see cref="IPublicationSettingsService"/>): authorize, let Core decide, then one audited write.</summary>
public sealed class PublicationSettingsService(PublicationQueries queries, PublicationStore store) : IPublicationSettingsService
{
    public async Task<ChangeResult<PublicationSettings>> ChangeAsync(string department, string? publishMode, bool? publishTeamNames, long expectedVersion,
        Actor actor, CancellationToken ct = default)
    {
        if (!actor.CanActFor(Roles.Scheduler, department))
            return ChangeResult.Forbidden<PublicationSettings>($"Only schedulers of '{department}' (or platform admins) change its publication settings.");
        if (publishMode is null && publishTeamNames is null)
            return ChangeResult.Invalid<PublicationSettings>([FieldError.Required("body", "give publishMode, publishTeamNames or both")]);
        var current = await queries.SettingsAsync(department, ct);
        if (current is null) return ChangeResult.NotFound<PublicationSettings>();
        var (next, refused) = current.Change(publishMode, publishTeamNames);
        if (refused is not null) return ChangeResult.Invalid<PublicationSettings>([refused]);
        var updated = await store.UpdateSettingsAsync(department, next!.PublishMode, next.PublishTeamNames, expectedVersion, actor, ct);
        if (updated is null) return ChangeResult.NotFound<PublicationSettings>();
        var after = (await queries.SettingsAsync(department, ct))!;
        return updated == false
            ? new ChangeResult<PublicationSettings>(ChangeStatus.VersionMismatch, Version: after.Version)
            : new ChangeResult<PublicationSettings>(ChangeStatus.Updated, after, Version: after.Version);
    }
}
