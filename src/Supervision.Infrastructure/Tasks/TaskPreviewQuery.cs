using System.Globalization;
using Dapper;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Tasks;

/// <summary>
/// The census behind a task preview: entities per credit class under the task's filter, with the same WHERE clause the
/// freeze uses (<see cref="PopulationReader.PopulationWhere"/>), parameterised. A count, not a snapshot: nothing is written.
/// </summary>
public static class TaskPreviewQuery
{
    public static async Task<IReadOnlyDictionary<string, long>> CountByClassAsync(SqlStore store, TaskDefinition definition, IReadOnlyList<ItemScope> scopes, CancellationToken ct)
    {
        var parameters = new DynamicParameters();
        var n = 0;
        var where = PopulationReader.PopulationWhere(definition, ItemScopes.Restricting(scopes), v =>
        {
            var name = "@f" + (n++).ToString(CultureInfo.InvariantCulture);
            parameters.Add(name, v);
            return name;
        });
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string CreditClass, long Count)>(
            new CommandDefinition($"SELECT e.credit_class, COUNT(*) FROM market_entities e WHERE {where} GROUP BY e.credit_class", parameters, cancellationToken: ct));
        return rows.ToDictionary(r => r.CreditClass, r => r.Count, StringComparer.Ordinal);
    }
}
