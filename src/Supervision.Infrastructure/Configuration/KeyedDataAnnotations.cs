using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Supervision.Infrastructure.Configuration;

public static class KeyedDataAnnotations
{
    /// <summary>
    /// <c>ValidateDataAnnotations</c>, with every failure named by its configuration key ("Supervision:Calendar:WarnDays: The
    /// field WarnDays must be between 0 and 366."), so that the message stopping the start says what to change.
    /// </summary>
    public static OptionsBuilder<T> ValidateDataAnnotations<T>(this OptionsBuilder<T> builder, string section) where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(builder.Name, section));
        return builder;
    }

    private sealed class Validator<T>(string? name, string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName) return ValidateOptionsResult.Skip;
            var results = new List<ValidationResult>();
            if (System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
                return ValidateOptionsResult.Success;
            return ValidateOptionsResult.Fail(results.Select(r => $"{section}:{string.Join(", ", r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
