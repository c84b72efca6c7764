using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Supervision.Grains.Tasks;

/// <summary>
/// Seals a task's draw secret before it is written to grain storage (docs/operations.md, "Protecting draw secrets"), so
/// that reading the database — a dump, a backup, a replica — does not give the secret, with which the seed could be
/// computed ahead and witness entropy ground until a wanted entity is drawn. AES-256-GCM with a key kept outside the
/// database: <c>Supervision:Draw:SecretKeyFile</c> names a file holding 32 random bytes, the same on every silo. The task
/// id is the associated data, so a sealed secret cannot be moved to another task. Without a key file secrets are stored
/// as they are and the start-up log says so.
/// </summary>
public sealed class DrawSecretProtector
{
    public const string KeyFileSetting = "Supervision:Draw:SecretKeyFile";

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[]? _key;

    public DrawSecretProtector(IOptions<DrawServiceOptions> options, ILogger<DrawSecretProtector> logger)
    {
        var path = options.Value.SecretKeyFile;
        if (string.IsNullOrWhiteSpace(path))
        {
            logger.LogWarning("{Setting} is not set: draw secrets are stored in grain storage unprotected, readable by whoever reads the database", KeyFileSetting);
            return;
        }

        // The file was checked at start (DrawServiceOptions' validator): it holds 32 bytes.
        _key = File.ReadAllBytes(path);
    }

    /// <summary>The problem with the key file at <paramref name="path"/>, or null when it holds a key.</summary>
    public static string? KeyFileProblem(string path)
    {
        if (!File.Exists(path)) return $"{KeyFileSetting} '{path}' is not a file: give a file of 32 random bytes (head -c 32 /dev/urandom > draw-secret.key), the same on every silo.";
        var length = new FileInfo(path).Length;
        return length == 32 ? null : $"{KeyFileSetting} '{path}' must hold exactly 32 bytes (it holds {length}).";
    }

    /// <summary>For tests and tools: a protector with this key (null: none).</summary>
    public DrawSecretProtector(byte[]? key) => _key = key is null || key.Length == 32 ? key : throw new ArgumentException("a key is 32 bytes", nameof(key));

    public bool Enabled => _key is not null;

    /// <summary>nonce ‖ tag ‖ ciphertext.</summary>
    public byte[] Seal(byte[] secret, string taskId)
    {
        var key = _key ?? throw new InvalidOperationException("no key to seal draw secrets with");
        var sealedBytes = new byte[NonceSize + TagSize + secret.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(taskId));
        return sealedBytes;
    }

    /// <summary>The secret, or null when there is no key or it is not the key it was sealed with (or not this task's).</summary>
    public byte[]? Open(byte[] sealedBytes, string taskId)
    {
        if (_key is null || sealedBytes.Length < NonceSize + TagSize) return null;
        var secret = new byte[sealedBytes.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), secret, Encoding.UTF8.GetBytes(taskId));
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
