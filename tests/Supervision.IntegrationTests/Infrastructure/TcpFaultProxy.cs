using System.Net;
using System.Net.Sockets;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of a server (PostgreSQL in the fault tests) that can be taken down — every connection
/// reset, new ones refused — and brought back on the same port: a database outage or restart as the clients see it,
/// without touching the server other tests share.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly int _target;
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource _up = new();

    public TcpFaultProxy(int targetPort)
    {
        _target = targetPort;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Up();
    }

    public int Port { get; }

    /// <summary>Accept and forward connections again (on the same port).</summary>
    public void Up()
    {
        lock (_gate)
        {
            if (_listener is not null) return;
            _up = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptAsync(_listener, _up.Token);
        }
    }

    /// <summary>Reset every forwarded connection and refuse new ones until <see cref="Up"/>.</summary>
    public void Down()
    {
        lock (_gate)
        {
            _up.Cancel();
            _listener?.Stop();
            _listener = null;
            foreach (var c in _open)
            {
                try
                {
                    if (c.Client is { } socket) socket.LingerState = new LingerOption(true, 0); // RST, as a dead server's host answers
                    c.Close();
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException)
                {
                }
            }

            _open.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client, ct);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken ct)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, ct);
            lock (_gate)
            {
                ct.ThrowIfCancellationRequested();
                _open.Add(client);
                _open.Add(server);
            }

            await Task.WhenAny(client.GetStream().CopyToAsync(server.GetStream(), ct), server.GetStream().CopyToAsync(client.GetStream(), ct));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(server);
            }

            client.Dispose();
            server.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Down();
        return ValueTask.CompletedTask;
    }
}
