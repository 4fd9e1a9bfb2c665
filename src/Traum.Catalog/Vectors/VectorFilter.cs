namespace Traum.Catalog.Vectors;

/// <summary>
/// Which ids a query may return. Either a predicate over ids (evaluated once per stored vector, before its
/// score is computed) or an explicit set of ids (small sets are scored directly, large ones become a bitset
/// over the index's slots).
/// </summary>
public sealed class VectorFilter
{
    private VectorFilter(Func<long, bool>? predicate, IReadOnlySet<long>? ids)
    {
        Predicate = predicate;
        Ids = ids;
    }

    /// <summary>The predicate, when the filter was made from one.</summary>
    public Func<long, bool>? Predicate { get; }

    /// <summary>The allowed ids, when the filter was made from a set.</summary>
    public IReadOnlySet<long>? Ids { get; }

    /// <summary>Allows the ids for which <paramref name="predicate"/> returns true. It must be thread-safe.</summary>
    public static VectorFilter Where(Func<long, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new VectorFilter(predicate, null);
    }

    /// <summary>Allows exactly <paramref name="ids"/>.</summary>
    public static VectorFilter Only(IEnumerable<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return new VectorFilter(null, ids as IReadOnlySet<long> ?? ids.ToHashSet());
    }

    /// <summary>True when <paramref name="id"/> passes the filter.</summary>
    public bool Allows(long id) => Ids?.Contains(id) ?? Predicate!(id);

    /// <summary>Both filters must allow an id; either may be null.</summary>
    public static VectorFilter? And(VectorFilter? a, VectorFilter? b)
    {
        if (a is null) return b;
        if (b is null) return a;
        if (a.Ids is { } ia && b.Ids is { } ib)
        {
            var set = new HashSet<long>(ia.Count <= ib.Count ? ia : ib);
            set.IntersectWith(ia.Count <= ib.Count ? ib : ia);
            return Only(set);
        }
        if (a.Ids is { } sa) return Only(sa.Where(b.Allows));
        if (b.Ids is { } sb) return Only(sb.Where(a.Allows));
        var pa = a.Predicate!;
        var pb = b.Predicate!;
        return Where(id => pa(id) && pb(id));
    }
}

/// <summary>One search result: a stored id and its cosine similarity to the query (−1…1).</summary>
/// <param name="Id">The id the vector was stored under (a stem id).</param>
/// <param name="Score">Cosine similarity to the query, −1…1.</param>
public readonly record struct VectorHit(long Id, float Score);
