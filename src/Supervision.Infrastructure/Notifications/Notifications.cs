using System.Data.Common;
using Dapper;

namespace Supervision.Infrastructure.Notifications;

/// <summary>A message for a person or a department about an inspection.</summary>
/// <param name="Recipient">"inspector:{certificateNo}" or "department:{code}".</param>
public sealed record Notification(string Recipient, string InspectionId, string Kind, string Message)
{
    public static string Inspector(string certificateNo) => "inspector:" + certificateNo;

    public static string Department(string code) => "department:" + code;
}

/// <summary>
/// Delivers notifications. It is called inside the transaction of the change that causes them, so a notification
/// exists exactly when its change does; an implementation that talks to another system should write an outbox row
/// here and deliver after the commit. The default is the in-app inbox (<see cref="InboxNotifier"/>).
/// </summary>
public interface INotifier
{
    Task NotifyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Notification> notifications, DateTimeOffset at, CancellationToken ct = default);
}

/// <summary>The in-app inbox: one row per recipient in <c>notifications</c>, read through GET /api/my/notifications.</summary>
public sealed class InboxNotifier : INotifier
{
    public async Task NotifyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Notification> notifications, DateTimeOffset at, CancellationToken ct = default)
    {
        foreach (var n in notifications)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO notifications (recipient, inspection_id, kind, message, created_at) VALUES (@Recipient, @InspectionId, @Kind, @Message, @at)",
                new { n.Recipient, n.InspectionId, n.Kind, n.Message, at }, transaction, cancellationToken: ct));
        }
    }
}

public sealed record NotificationRow
{
    public long Id { get; init; }
    public required string Recipient { get; init; }
    public required string InspectionId { get; init; }
    public required string Kind { get; init; }
    public required string Message { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
