using Supervision.Core.Identity;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// The one write path of a department's publication settings (publish mode, team names on public results): authorized
/// inside (the department's schedulers, platform admins), the change decided by Core's <see cref="PublicationSettings.Change"/>,
/// persisted with its audit line in one transaction against the version the caller read. Reads go to <see cref="PublicationQueries"/>.
/// </summary>
public interface IPublicationSettingsService
{
    Task<ChangeResult<PublicationSettings>> ChangeAsync(string department, string? publishMode, bool? publishTeamNames, long expectedVersion, Actor actor,
        CancellationToken ct = default);
}
