using System.Numerics.Tensors;
using Traum.Audio.IO;
using Traum.Models.Demucs;

namespace Traum.Engine.Separation;

/// <summary>How samples beyond ±1 are handled when stems are written.</summary>
public enum ClipMode
{
    /// <summary>Divide each stem by max(1.01 · peak, 1) (demucs' default): nothing clips, levels only drop when needed.</summary>
    Rescale,
    /// <summary>Clamp to [−1, 1].</summary>
    Clamp,
}

/// <summary>
/// Writes separated stems to files as they arrive. Files are written under hidden partial names and renamed only when
/// complete; <see cref="Abort"/> removes them, so a cancelled or failed run leaves nothing half-written. With
/// <see cref="ClipMode.Rescale"/> each stem goes to a float32 partial first (its peak is only known at the end) and is
/// then converted, scaled, into the final format: still block by block.
/// </summary>
internal sealed class StemFileSink : IStemSink, IDisposable
{
    private const int Block = 65536;

    private readonly string _folder;
    private readonly string _extension;
    private readonly AudioWriteOptions _writeOptions;
    private readonly ClipMode _clip;
    private readonly int _sampleRate;
    private readonly int[][] _groups;
    private readonly string[] _names;
    private readonly IAudioWriter?[] _writers;
    private readonly string[] _partials;
    private readonly double[] _peaks;
    private readonly float[][] _mix = [new float[Block], new float[Block]];
    private bool _done;

    /// <param name="folder">Output folder (created).</param>
    /// <param name="names">Output stem names, e.g. ["drums", "bass", "other", "vocals"] or ["vocals", "no_vocals"].</param>
    /// <param name="groups">For each output, the model sources summed into it.</param>
    /// <param name="extension">".wav", ".flac" or ".mp3".</param>
    /// <param name="writeOptions">Sample format of the final files.</param>
    /// <param name="clip">Clipping mode.</param>
    /// <param name="sampleRate">Hz.</param>
    public StemFileSink(string folder, IReadOnlyList<string> names, IReadOnlyList<int[]> groups, string extension,
        AudioWriteOptions writeOptions, ClipMode clip, int sampleRate)
    {
        _folder = folder;
        _names = [.. names];
        _groups = [.. groups];
        _extension = extension;
        _writeOptions = writeOptions;
        _clip = clip;
        _sampleRate = sampleRate;
        Directory.CreateDirectory(folder);
        _writers = new IAudioWriter?[_names.Length];
        _partials = new string[_names.Length];
        _peaks = new double[_names.Length];
        try
        {
            for (var i = 0; i < _names.Length; i++)
            {
                _partials[i] = Path.Combine(folder, $".{_names[i]}.partial{(_clip == ClipMode.Rescale ? ".wav" : extension)}");
                var opts = _clip == ClipMode.Rescale ? new AudioWriteOptions(SampleFormat.Float32) : writeOptions;
                _writers[i] = AudioFile.OpenWrite(_partials[i], sampleRate, 2, opts);
            }
        }
        catch
        {
            Abort();
            throw;
        }
    }

    /// <summary>Final path of output <paramref name="i"/>.</summary>
    public string FinalPath(int i) => Path.Combine(_folder, _names[i] + _extension);

    /// <summary>Partial (hidden) files of a run that never finished in <paramref name="folder"/>: safe to delete.</summary>
    public static IEnumerable<string> Leftovers(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder, ".*.partial*") : [];

    public void Write(float[][][] stems, int count)
    {
        var offset = 0;
        while (offset < count)
        {
            var n = Math.Min(Block, count - offset);
            for (var i = 0; i < _names.Length; i++)
            {
                for (var c = 0; c < 2; c++)
                {
                    var dst = _mix[c].AsSpan(0, n);
                    var g = _groups[i];
                    stems[g[0]][c].AsSpan(offset, n).CopyTo(dst);
                    for (var k = 1; k < g.Length; k++) TensorPrimitives.Add(dst, stems[g[k]][c].AsSpan(offset, n), dst);
                    if (_clip == ClipMode.Clamp) TensorPrimitives.Clamp(dst, -1f, 1f, dst);
                    else _peaks[i] = Math.Max(_peaks[i], Math.Abs(TensorPrimitives.MaxMagnitude(dst)));
                }
                _writers[i]!.Write(_mix, 0, n);
            }
            offset += n;
        }
    }

    /// <summary>Finishes every file (rescaling where asked) and gives them their final names.</summary>
    /// <returns>The final paths, in output order.</returns>
    public IReadOnlyList<string> Complete(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            _writers[i]!.Complete();
            _writers[i]!.Dispose();
            _writers[i] = null;
        }
        var finals = new string[_names.Length];
        for (var i = 0; i < _names.Length; i++)
        {
            var ready = _partials[i];
            if (_clip == ClipMode.Rescale)
            {
                ready = Path.Combine(_folder, $".{_names[i]}.partial.final{_extension}");
                var scale = (float)(1 / Math.Max(1.01 * _peaks[i], 1));
                Convert(_partials[i], ready, scale, cancellationToken);
                File.Delete(_partials[i]);
                _partials[i] = ready;
            }
            finals[i] = FinalPath(i);
            File.Move(ready, finals[i], overwrite: true);
        }
        _done = true;
        return finals;
    }

    private void Convert(string from, string to, float scale, CancellationToken cancellationToken)
    {
        using var reader = AudioFile.OpenRead(from, cancellationToken);
        using var writer = AudioFile.OpenWrite(to, _sampleRate, 2, _writeOptions);
        var buf = new float[][] { new float[Block], new float[Block] };
        int n;
        while ((n = reader.Read(buf, 0, Block)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (scale != 1f)
            {
                for (var c = 0; c < 2; c++) TensorPrimitives.Multiply(buf[c].AsSpan(0, n), scale, buf[c].AsSpan(0, n));
            }
            writer.Write(buf, 0, n);
        }
        writer.Complete();
    }

    /// <summary>Closes and deletes every partial file.</summary>
    public void Abort()
    {
        for (var i = 0; i < _writers.Length; i++)
        {
            try
            {
                _writers[i]?.Dispose();
            }
            catch (Exception e) when (e is IOException or Core.AudioFormatException)
            {
                // The file is deleted next anyway.
            }
            _writers[i] = null;
        }
        foreach (var p in Leftovers(_folder))
        {
            try
            {
                File.Delete(p);
            }
            catch (IOException)
            {
                // Best effort; the next run removes leftovers.
            }
        }
    }

    public void Dispose()
    {
        if (!_done) Abort();
    }
}
