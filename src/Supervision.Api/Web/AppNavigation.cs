using Supervision.Core.Identity;

namespace Supervision.Api.Web;

/// <summary>One entry of the staff application's navigation, shown only to the roles that can use it.</summary>
public sealed record AppLink(string Href, string Chinese, string English, IReadOnlyList<string> Roles);

/// <summary>The staff application's navigation in one place; pages add their entry here.</summary>
public static class AppNavigation
{
    private static readonly string[] Everyone = [Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.Inspector];

    public static readonly IReadOnlyList<AppLink> Links =
    [
        new("/app", "工作台", "Home", Everyone),
    ];

    public static IEnumerable<AppLink> For(Actor actor) => Links.Where(l => l.Roles.Any(actor.Has));
}
