namespace Supervision.Core.Tasks;

/// <summary>
/// How a witness who contributes under their own account is named in the task's entropy entries: "{display name}
/// ({username})" — the account, not typed text — and the rule that such a witness contributes once per task.
/// </summary>
public static class EntropyWitness
{
    public static string Name(string displayName, string username) => $"{displayName.Trim()} ({username})";

    /// <summary>True when <paramref name="witness"/> is the name of the account <paramref name="username"/>.</summary>
    public static bool IsAccount(string witness, string username) => witness.EndsWith($" ({username})", StringComparison.Ordinal);
}
