using Supervision.Core.Draw;

namespace Supervision.Core.Tests.Draw;

internal static class InspectorFixtures
{
    public static Inspector Inspector(string cert, string department, params string[] items) =>
        new(cert, "Inspector " + cert, department, true, new DateOnly(2024, 1, 1), new DateOnly(2028, 12, 31), items, 0);

    public static InspectorPool Pool(int count, string department, string[] items, string prefix = "C") =>
        new(Enumerable.Range(0, count).Select(i => Inspector($"{prefix}{department}{i:D4}", department, items)).ToArray(), [], []);

    public static DrawnEntity Entity(string id, int rank) =>
        new(rank, id, "A", "1", 1, "", 0.5, "1/2", 0.5, "1/1", 1, true);
}
