using System.Data.Common;

namespace Supervision.Infrastructure.Storage;

/// <summary>Parameters of a hand-built <see cref="DbCommand"/> (the streaming readers that bypass Dapper).</summary>
internal static class SqlParameters
{
    /// <summary>Adds the parameter <paramref name="name"/> (without its @) with <paramref name="value"/>.</summary>
    internal static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
