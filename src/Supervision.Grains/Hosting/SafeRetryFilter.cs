using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization.Invocation;
using Supervision.Contracts;

namespace Supervision.Grains.Hosting;

/// <summary>
/// Sends a <see cref="SafeToRetryAttribute"/> grain call again when it failed for a transient cluster or database reason
/// (<see cref="TransientFailures"/>: a silo died, a gateway is gone, the connection was refused), with doubling pauses,
/// and starts no attempt after <see cref="SafeRetryOptions.Budget"/>. A call that timed out is not sent again: it has
/// spent its time already, and the HTTP client retries a 503 itself. Every other call passes through untouched.
/// </summary>
/// <remarks>
/// The retry is a new call through the same grain reference, not a second <see cref="IOutgoingGrainCallContext.Invoke"/>:
/// Orleans 10 pools its request objects (<c>InvokablePool</c>), and a request already sent may have been returned to the
/// pool, so sending it again could send another call's arguments. The arguments are read before the first attempt.
/// </remarks>
public sealed partial class SafeRetryFilter(IOptionsMonitor<SafeRetryOptions> options, ILogger<SafeRetryFilter> logger, TimeProvider time)
    : IOutgoingGrainCallFilter
{
    private static readonly AsyncLocal<bool> Resending = new();
    private static readonly ConcurrentDictionary<MethodInfo, Func<object, object?[], Task<object?>>?> Senders = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var settings = options.CurrentValue;
        var method = context.InterfaceMethod;
        if (Resending.Value || !settings.Enabled || method is null || Sender(method) is not { } send)
        {
            await context.Invoke();
            return;
        }

        var arguments = new object?[context.Request.GetArgumentCount()];
        for (var i = 0; i < arguments.Length; i++) arguments[i] = context.Request.GetArgument(i);
        var started = time.GetTimestamp();

        Exception? failure;
        try
        {
            await context.Invoke();
            failure = context.Response?.Exception;
        }
        catch (Exception e)
        {
            failure = e;
        }

        var delay = settings.FirstDelay;
        for (var attempt = 2; failure is not null && Retryable(failure); attempt++)
        {
            if (time.GetElapsedTime(started) + delay > settings.Budget) break;
            LogRetry(logger, context.InterfaceName, context.MethodName, context.TargetId.ToString(), attempt, delay.TotalMilliseconds, failure.GetType().Name);
            await Task.Delay(delay, time);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxDelay.Ticks));
            try
            {
                context.Result = await Resend(send, context.Grain, arguments);
                return;
            }
            catch (Exception e)
            {
                failure = e;
            }
        }

        if (failure is not null) context.Response = Response.FromException(failure);
    }

    /// <summary>A transient failure that did not already take the whole response timeout.</summary>
    public static bool Retryable(Exception e) => e is not TimeoutException && TransientFailures.IsTransient(e);

    /// <summary>The call again, through the grain reference's own proxy (this filter lets that one pass).</summary>
    private static Task<object?> Resend(Func<object, object?[], Task<object?>> send, object grain, object?[] arguments)
    {
        Resending.Value = true;
        try
        {
            return send(grain, (object?[])arguments.Clone());
        }
        finally
        {
            Resending.Value = false;
        }
    }

    /// <summary>How to call <paramref name="method"/> on a grain reference and await its result; null when it is not marked or not awaitable.</summary>
    private static Func<object, object?[], Task<object?>>? Sender(MethodInfo method) => Senders.GetOrAdd(method, static m =>
    {
        if (m.GetCustomAttribute<SafeToRetryAttribute>() is null || m.ContainsGenericParameters) return null;
        var type = m.ReturnType;
        if (type == typeof(Task)) return (grain, args) => AwaitAsync((Task)Call(m, grain, args), null);
        if (type == typeof(ValueTask)) return (grain, args) => AwaitAsync(((ValueTask)Call(m, grain, args)).AsTask(), null);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var result = type.GetProperty(nameof(Task<int>.Result))!;
            return (grain, args) => AwaitAsync((Task)Call(m, grain, args), result);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = type.GetMethod(nameof(ValueTask<int>.AsTask))!;
            var result = typeof(Task<>).MakeGenericType(type.GetGenericArguments()[0]).GetProperty(nameof(Task<int>.Result))!;
            return (grain, args) => AwaitAsync((Task)asTask.Invoke(Call(m, grain, args), null)!, result);
        }

        return null;
    });

    private static object Call(MethodInfo method, object grain, object?[] args)
    {
        try
        {
            return method.Invoke(grain, args)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static async Task<object?> AwaitAsync(Task task, PropertyInfo? result)
    {
        await task;
        return result?.GetValue(task);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Retrying {Interface}.{Method} on {Grain} (attempt {Attempt}) in {DelayMs} ms after a transient failure ({Failure})")]
    private static partial void LogRetry(ILogger logger, string @interface, string method, string grain, int attempt, double delayMs, string failure);
}
