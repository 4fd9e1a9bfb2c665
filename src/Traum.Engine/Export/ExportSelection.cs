using Traum.Catalog;

namespace Traum.Engine.Export;

/// <summary>Which stems go into a pack: some ids, or the stems of a track and/or a listing filter (a tag is one).</summary>
/// <param name="Ids">These stems, in this order (not combined with the others).</param>
/// <param name="TrackId">The stems separated from this track.</param>
/// <param name="Filter">The filters of <c>traum stems list</c>; its order is the pack's order.</param>
public sealed record ExportSelection(IReadOnlyList<long>? Ids = null, long? TrackId = null, StemFilter? Filter = null)
{
    /// <summary>True when the filter sets any criterion (order alone does not count).</summary>
    public bool HasFilter => Filter is { } f && (f with { Sort = null, Descending = false }) != StemFilter.None;
}
