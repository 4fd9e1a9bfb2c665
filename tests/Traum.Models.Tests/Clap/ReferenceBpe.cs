using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Traum.Models.Tests.Clap;

/// <summary>
/// An independent GPT-2/RoBERTa byte-level BPE written from the published algorithm: split with the GPT-2
/// pattern, map each piece's UTF-8 bytes to printable characters, then repeatedly merge the adjacent pair of
/// lowest merge rank; look the final symbols up in the vocabulary.
/// </summary>
internal sealed partial class ReferenceBpe
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string, string), int> _ranks = [];
    private readonly string[] _byteChar = new string[256];

    public ReferenceBpe(string vocabPath, string mergesPath)
    {
        _vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))!;
        var rank = 0;
        foreach (var line in File.ReadAllLines(mergesPath))
        {
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0) continue;
            var parts = line.Split(' ');
            _ranks[(parts[0], parts[1])] = rank++;
        }
        // bytes_to_unicode: printable Latin-1 bytes map to themselves, the rest to 256 + n in byte order.
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            _byteChar[b] = printable ? ((char)b).ToString() : ((char)(256 + n++)).ToString();
        }
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Pattern();

    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (Match m in Pattern().Matches(text))
        {
            var symbols = Encoding.UTF8.GetBytes(m.Value).Select(b => _byteChar[b]).ToList();
            while (symbols.Count > 1)
            {
                var best = -1;
                var bestRank = int.MaxValue;
                for (var i = 0; i < symbols.Count - 1; i++)
                {
                    if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var r) && r < bestRank)
                    {
                        bestRank = r;
                        best = i;
                    }
                }
                if (best < 0) break;
                var (a, b) = (symbols[best], symbols[best + 1]);
                var merged = new List<string>();
                for (var i = 0; i < symbols.Count; i++)
                {
                    if (i < symbols.Count - 1 && symbols[i] == a && symbols[i + 1] == b)
                    {
                        merged.Add(a + b);
                        i++;
                    }
                    else
                    {
                        merged.Add(symbols[i]);
                    }
                }
                symbols = merged;
            }
            ids.AddRange(symbols.Select(s => _vocab[s]));
        }
        return ids;
    }
}
