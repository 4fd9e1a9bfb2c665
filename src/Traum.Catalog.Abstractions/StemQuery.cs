using Traum.Core;

namespace Traum.Catalog;

/// <summary>How listings are ordered.</summary>
public enum StemSort
{
    /// <summary>By id, the order stems were added in.</summary>
    Id,
    /// <summary>By name, ignoring case.</summary>
    Name,
    /// <summary>By kind, then category.</summary>
    Kind,
    /// <summary>By category, then kind.</summary>
    Category,
    /// <summary>By duration.</summary>
    Duration,
    /// <summary>By tempo: the one the name states, else the estimate; stems without a tempo last.</summary>
    Bpm,
    /// <summary>By key: the one the name states, else the estimate, then mode; stems without a key last.</summary>
    Key,
    /// <summary>By integrated loudness; stems without descriptors last.</summary>
    Loudness,
    /// <summary>By the time the stem was added.</summary>
    Created,
    /// <summary>Stars; unrated stems last.</summary>
    Rating,
}

/// <summary>
/// A filter over stems; every criterion that is set must hold. Text criteria compare case-insensitively.
/// BPM and key criteria need descriptors (stems without them never match those criteria).
/// </summary>
public sealed record StemQuery
{
    /// <summary>Only stems of this kind.</summary>
    public string? Kind { get; init; }
    /// <summary>Only stems of this category.</summary>
    public string? Category { get; init; }
    /// <summary>Only stems of this origin.</summary>
    public StemOrigin? Origin { get; init; }
    /// <summary>Only stems separated from this track.</summary>
    public long? TrackId { get; init; }
    /// <summary>Only stems made by this generation run.</summary>
    public long? GenerationId { get; init; }
    /// <summary>Inclusive BPM range, on the tempo the name states when it states one, else the estimate.</summary>
    public double? MinBpm { get; init; }
    /// <summary>Upper end of the inclusive BPM range (see <see cref="MinBpm"/>).</summary>
    public double? MaxBpm { get; init; }
    /// <summary>Also match the BPM range halved and doubled (a 124 BPM range then also finds 62 and 248 BPM stems).</summary>
    public bool BpmHalfDouble { get; init; }
    /// <summary>A key such as "Am", "C#", "Bb minor", "F major" (see <see cref="MusicalKey.Parse"/>). The key a stem's name states comes first, then the estimate.</summary>
    public MusicalKey? Key { get; init; }
    /// <summary>Keys that mix with this one on the Camelot wheel: the same, its relative, and its neighbours a fifth up and down.</summary>
    public MusicalKey? CompatibleWith { get; init; }
    /// <summary>Inclusive duration range in seconds.</summary>
    public double? MinDuration { get; init; }
    /// <summary>Upper end of the inclusive duration range in seconds.</summary>
    public double? MaxDuration { get; init; }
    /// <summary>Stems carrying this user tag.</summary>
    public string? Tag { get; init; }
    /// <summary>Substring of the name.</summary>
    public string? NameContains { get; init; }
    /// <summary>Only one-shots (true) or only loops/phrases (false).</summary>
    public bool? IsOneShot { get; init; }
    /// <summary>Only favourites (true) or only stems that are not (false).</summary>
    public bool? Favourite { get; init; }
    /// <summary>Only stems rated at least this many stars (1 to 5).</summary>
    public int? MinRating { get; init; }
    /// <summary>Restrict to these ids (e.g. candidates from a vector search).</summary>
    public IReadOnlyCollection<long>? Ids { get; init; }
    /// <summary>Order of the rows.</summary>
    public StemSort Sort { get; init; } = StemSort.Id;
    /// <summary>Reverse the order of <see cref="Sort"/>.</summary>
    public bool Descending { get; init; }
    /// <summary>At most this many rows; null for all.</summary>
    public int? Limit { get; init; }
    /// <summary>Rows to skip before the first one returned (for paging).</summary>
    public int Offset { get; init; }

    /// <summary>Everything, in id order.</summary>
    public static StemQuery All { get; } = new();
}
