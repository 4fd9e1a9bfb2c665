namespace Traum.Models.Clap;

/// <summary>A thread-safe least-recently-used map from text to its embedding.</summary>
internal sealed class TextEmbeddingCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Text, float[] Vector)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Text, float[] Vector)> _order = new();
    private readonly Lock _gate = new();

    public int Capacity { get; } = Math.Max(0, capacity);

    public int Count
    {
        get
        {
            lock (_gate) return _map.Count;
        }
    }

    /// <summary>Hits and misses since creation.</summary>
    public long Hits { get; private set; }

    public long Misses { get; private set; }

    public bool TryGet(string text, out float[] vector)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(text, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                Hits++;
                vector = node.Value.Vector;
                return true;
            }
            Misses++;
            vector = [];
            return false;
        }
    }

    public void Add(string text, float[] vector)
    {
        if (Capacity == 0) return;
        lock (_gate)
        {
            if (_map.TryGetValue(text, out var existing))
            {
                _order.Remove(existing);
                _map.Remove(text);
            }
            var node = _order.AddFirst((text, vector));
            _map[text] = node;
            while (_map.Count > Capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Text);
            }
        }
    }
}
