using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Supervision.Infrastructure.Configuration;

/// <summary>
/// Settings a process needs before its service container exists — which storage, whether to host a silo, the cluster's
/// ports, how to sign tokens. They are read through the same options registration the container gets (binding and
/// validators alike), in a throw-away container, so a bad value stops the start with the same
/// <see cref="OptionsValidationException"/> naming its key as any other setting.
/// </summary>
public static class StartupOptions
{
    /// <summary>A container holding only <paramref name="configuration"/> and what <paramref name="register"/> adds.</summary>
    public static ServiceProvider Provider(IConfiguration configuration, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        register(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The bound and validated value of <typeparamref name="T"/>, as <paramref name="register"/> sets it up.</summary>
    public static T Read<T>(IConfiguration configuration, Action<IServiceCollection> register) where T : class
    {
        using var provider = Provider(configuration, register);
        return provider.GetRequiredService<IOptions<T>>().Value;
    }
}
