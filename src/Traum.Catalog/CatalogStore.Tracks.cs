using Microsoft.Data.Sqlite;
using Traum.Core;

namespace Traum.Catalog;

/// <summary>Tracks: the full mixes stems were separated from (<see cref="ITrackCatalog"/>).</summary>
public sealed partial class CatalogStore
{
    /// <summary>Adds a track, or returns the existing one with the same content hash.</summary>
    public Track AddTrack(NewTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        using var c = Connect();
        using var tx = c.BeginTransaction();
        var existing = QueryTracks(c, tx, "WHERE content_hash = $h", ("$h", track.ContentHash)).FirstOrDefault();
        if (existing is not null) return existing;
        var now = Now();
        using var cmd = Cmd(c, tx,
            "INSERT INTO tracks (name, source_path, file_path, format, duration, content_hash, created_at) VALUES ($n, $s, $f, $fmt, $d, $h, $t) RETURNING id;",
            ("$n", track.Name), ("$s", track.SourcePath), ("$f", track.FilePath), ("$fmt", track.Format), ("$d", track.Duration),
            ("$h", track.ContentHash), ("$t", now));
        var id = (long)cmd.ExecuteScalar()!;
        tx.Commit();
        return new Track
        {
            Id = id, Name = track.Name, SourcePath = track.SourcePath, FilePath = track.FilePath, Format = track.Format,
            Duration = track.Duration, ContentHash = track.ContentHash, CreatedAt = ParseTime(now),
        };
    }

    /// <inheritdoc/>
    public Track? GetTrack(long id)
    {
        using var c = Connect();
        return QueryTracks(c, null, "WHERE id = $id", ("$id", id)).FirstOrDefault();
    }

    /// <inheritdoc/>
    public Track? FindTrackByHash(string contentHash)
    {
        using var c = Connect();
        return QueryTracks(c, null, "WHERE content_hash = $h", ("$h", contentHash)).FirstOrDefault();
    }

    /// <summary>All tracks in id order.</summary>
    public IReadOnlyList<Track> ListTracks()
    {
        using var c = Connect();
        return QueryTracks(c, null, "ORDER BY id");
    }

    /// <summary>Deletes a track row; its stems stay (their track id becomes null). Returns false when it did not exist.</summary>
    public bool DeleteTrack(long id)
    {
        using var c = Connect();
        using var cmd = Cmd(c, null, "DELETE FROM tracks WHERE id = $id;", ("$id", id));
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <summary>Forgets a track's stored file (it is gone); the track record stays.</summary>
    public void ClearTrackFile(long trackId)
    {
        using var c = Connect();
        Exec(c, null, "UPDATE tracks SET file_path = NULL WHERE id = $id;", ("$id", trackId));
    }

    private static List<Track> QueryTracks(SqliteConnection c, SqliteTransaction? tx, string where, params (string, object?)[] ps)
    {
        using var cmd = Cmd(c, tx, $"SELECT id, name, source_path, file_path, format, duration, content_hash, created_at FROM tracks {where};", ps);
        using var r = cmd.ExecuteReader();
        var list = new List<Track>();
        while (r.Read())
        {
            list.Add(new Track
            {
                Id = r.GetInt64(0), Name = r.GetString(1), SourcePath = r.GetString(2), FilePath = r.IsDBNull(3) ? null : r.GetString(3),
                Format = r.GetString(4), Duration = r.GetDouble(5), ContentHash = r.GetString(6), CreatedAt = ParseTime(r.GetString(7)),
            });
        }
        return list;
    }
}
