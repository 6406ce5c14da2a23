using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace PointsBank.Bench;

/// <summary>
/// The load generator of the timed awards: HTTP/1.1 over kept-alive loopback sockets, one per client, each request
/// written as bytes and each answer read to its end (status line, headers, a <c>Content-Length</c> or chunked body) —
/// what <c>wrk</c> does. Real clients are counter PCs and phones on other machines; on this 2-core machine the client
/// shares the cores with the service, so its own cost should be small. <see cref="HttpClient"/> (still used for the
/// set-up and the counter part) spent about 0.35 ms of CPU per award at 20 clients here, as much as the service's own
/// request path, and capped the measured throughput at half of what the service answers (docs/performance.md).
/// </summary>
internal sealed class BenchWire(Uri address, string token) : IAsyncDisposable
{
    private readonly ConcurrentBag<Connection> _idle = [];
    private readonly string _head = $"Host: {address.Authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n";

    /// <summary>Sends one POST and returns its status code and body; a connection is opened when none is idle.</summary>
    public async Task<(int Status, string Body)> PostAsync(string path, string key, string body, CancellationToken ct)
    {
        if (!_idle.TryTake(out var connection))
        {
            connection = await Connection.OpenAsync(address, ct);
        }
        try
        {
            var content = Encoding.UTF8.GetBytes(body);
            var request = Encoding.UTF8.GetBytes(
                $"POST {path} HTTP/1.1\r\n{_head}Idempotency-Key: {key}\r\nContent-Length: {content.Length}\r\n\r\n");
            var answer = await connection.SendAsync(request, content, ct);
            _idle.Add(connection);
            return answer;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private sealed class Connection(Socket socket) : IDisposable
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public static async Task<Connection> OpenAsync(Uri address, CancellationToken ct)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address.Host, address.Port, ct);
                return new Connection(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public async Task<(int Status, string Body)> SendAsync(byte[] head, byte[] content, CancellationToken ct)
        {
            await socket.SendAsync(new[] { new ArraySegment<byte>(head), new ArraySegment<byte>(content) });
            var statusLine = await LineAsync(ct);
            // "HTTP/1.1 201 Created"
            var status = int.Parse(statusLine.AsSpan(9, 3), CultureInfo.InvariantCulture);
            var length = -1;
            var chunked = false;
            string line;
            while ((line = await LineAsync(ct)).Length > 0)
            {
                var colon = line.IndexOf(':');
                var name = line.AsSpan(0, colon);
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    length = int.Parse(line.AsSpan(colon + 1).Trim(), CultureInfo.InvariantCulture);
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = line.AsSpan(colon + 1).Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase);
                }
            }
            if (!chunked)
            {
                return (status, await BytesAsync(Math.Max(length, 0), ct));
            }
            var body = new StringBuilder();
            int size;
            while ((size = int.Parse(await LineAsync(ct), NumberStyles.HexNumber, CultureInfo.InvariantCulture)) > 0)
            {
                body.Append(await BytesAsync(size, ct));
                await LineAsync(ct);
            }
            await LineAsync(ct);
            return (status, body.ToString());
        }

        private async Task<string> LineAsync(CancellationToken ct)
        {
            while (true)
            {
                var at = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (at >= 0)
                {
                    var line = Encoding.ASCII.GetString(_buffer, _start, at - _start).TrimEnd('\r');
                    _start = at + 1;
                    return line;
                }
                await FillAsync(ct);
            }
        }

        private async Task<string> BytesAsync(int count, CancellationToken ct)
        {
            while (_end - _start < count)
            {
                await FillAsync(ct);
            }
            var text = Encoding.UTF8.GetString(_buffer, _start, count);
            _start += count;
            return text;
        }

        private async Task FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new InvalidOperationException("an answer larger than the bench reads");
            }
            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct);
            if (read == 0)
            {
                throw new IOException("the service closed the connection");
            }
            _end += read;
        }

        public void Dispose() => socket.Dispose();
    }
}
