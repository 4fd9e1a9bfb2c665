namespace Traum.Catalog.Vectors;

/// <summary>
/// A bounded heap that keeps the best <c>k</c> hits seen. Better means a higher score, and for equal scores
/// the smaller id, so results are deterministic whatever order the vectors are scanned in. The worst kept hit
/// sits at the root, so a candidate is rejected with one comparison.
/// </summary>
internal sealed class TopK
{
    private readonly VectorHit[] _items;
    private int _count;

    public TopK(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new VectorHit[capacity];
    }

    public int Count => _count;

    public int Capacity => _items.Length;

    /// <summary>The lowest score that could still enter (negative infinity until the heap is full).</summary>
    public float Floor => _count == _items.Length ? _items[0].Score : float.NegativeInfinity;

    /// <summary>True when the heap is full and a hit with this score could not enter whatever its id.</summary>
    public bool Rejects(float score) => _count == _items.Length && score < _items[0].Score;

    /// <summary>True when <paramref name="a"/> ranks before <paramref name="b"/>.</summary>
    public static bool Better(in VectorHit a, in VectorHit b) => a.Score > b.Score || (a.Score == b.Score && a.Id < b.Id);

    public void Offer(long id, float score)
    {
        var hit = new VectorHit(id, score);
        if (_count < _items.Length)
        {
            var i = _count++;
            _items[i] = hit;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Better(_items[parent], _items[i])) break;
                (_items[parent], _items[i]) = (_items[i], _items[parent]);
                i = parent;
            }
            return;
        }
        if (!Better(hit, _items[0])) return;
        _items[0] = hit;
        SiftDown(0);
    }

    public void OfferAll(TopK other)
    {
        for (var i = 0; i < other._count; i++) Offer(other._items[i].Id, other._items[i].Score);
    }

    /// <summary>The kept hits, best first.</summary>
    public VectorHit[] ToSortedArray()
    {
        var result = _items.AsSpan(0, _count).ToArray();
        Array.Sort(result, static (a, b) => Better(a, b) ? -1 : Better(b, a) ? 1 : 0);
        return result;
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var worst = i;
            var l = 2 * i + 1;
            var r = l + 1;
            if (l < _count && Better(_items[worst], _items[l])) worst = l;
            if (r < _count && Better(_items[worst], _items[r])) worst = r;
            if (worst == i) return;
            (_items[worst], _items[i]) = (_items[i], _items[worst]);
            i = worst;
        }
    }
}
