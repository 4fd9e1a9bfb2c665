using Microsoft.ML.Tokenizers;
using Traum.Core;

namespace Traum.Models.Clap;

/// <summary>
/// CLAP's text tokenizer: RoBERTa byte-level BPE over <c>vocab.json</c> + <c>merges.txt</c> (Microsoft.ML.Tokenizers),
/// ids <c>[&lt;s&gt;] + bpe(text) + [&lt;/s&gt;]</c>, no prefix space, no lower-casing, the content truncated to
/// 510 tokens before the two specials are added so that <c>&lt;/s&gt;</c> is always kept.
/// </summary>
public sealed class ClapTokenizer
{
    /// <summary>Longest id sequence the text model accepts (RoBERTa's 514 positions minus the padding offset).</summary>
    public const int MaxLength = 512;

    private readonly BpeTokenizer _bpe;
    private readonly int _bos;
    private readonly int _eos;

    private ClapTokenizer(BpeTokenizer bpe)
    {
        _bpe = bpe;
        _bos = bpe.Vocabulary.TryGetValue("<s>", out var bos) ? bos : throw new ModelNotFoundException("The CLAP vocabulary has no <s> token.");
        _eos = bpe.Vocabulary.TryGetValue("</s>", out var eos) ? eos : throw new ModelNotFoundException("The CLAP vocabulary has no </s> token.");
    }

    /// <summary>Id of <c>&lt;s&gt;</c> (0 in RoBERTa's vocabulary).</summary>
    public int BeginningOfSentenceId => _bos;

    /// <summary>Id of <c>&lt;/s&gt;</c> (2 in RoBERTa's vocabulary).</summary>
    public int EndOfSentenceId => _eos;

    /// <summary>Number of ids in the vocabulary (50 265 for RoBERTa).</summary>
    public int VocabularySize => _bpe.Vocabulary.Count;

    /// <summary>Loads the tokenizer from a checkpoint's vocabulary and merges.</summary>
    /// <exception cref="ModelNotFoundException">A file is missing or not a byte-level BPE vocabulary with &lt;s&gt;, &lt;/s&gt;, &lt;unk&gt;.</exception>
    public static ClapTokenizer FromFiles(string vocabPath, string mergesPath)
    {
        ArgumentNullException.ThrowIfNull(vocabPath);
        ArgumentNullException.ThrowIfNull(mergesPath);
        foreach (var p in new[] { vocabPath, mergesPath })
        {
            if (!File.Exists(p)) throw new ModelNotFoundException($"{p} is missing; the CLAP tokenizer needs vocab.json and merges.txt from the checkpoint.");
        }
        try
        {
            var bpe = BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath)
            {
                ByteLevel = true,
                PreTokenizer = RobertaPreTokenizer.Instance,
                BeginningOfSentenceToken = "<s>",
                EndOfSentenceToken = "</s>",
                UnknownToken = "<unk>",
            });
            return new ClapTokenizer(bpe);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            throw new ModelNotFoundException($"{vocabPath} / {mergesPath} are not a RoBERTa byte-level BPE vocabulary ({e.Message}).", e);
        }
    }

    /// <summary>Token ids of <paramref name="text"/>: <c>[&lt;s&gt;, ≤ 510 content ids, &lt;/s&gt;]</c>.</summary>
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _bpe.EncodeToIds(text);
        var start = ids.Count > 0 && ids[0] == _bos ? 1 : 0;
        var end = ids.Count > start && ids[^1] == _eos ? ids.Count - 1 : ids.Count;
        var content = Math.Min(end - start, MaxLength - 2);
        var result = new long[content + 2];
        result[0] = _bos;
        for (var i = 0; i < content; i++) result[i + 1] = ids[start + i];
        result[^1] = _eos;
        return result;
    }
}
