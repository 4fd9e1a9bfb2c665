using System.CommandLine;
using System.Globalization;
using Traum.Catalog;
using Traum.Core;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum tracks list|show</c>.</summary>
internal static class TracksCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("tracks", "List and inspect full tracks (the sources of separated stems)");
        var list = new Command("list", "List tracks");
        list.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var tracks = library.Catalog.ListTracks();
            var counts = tracks.ToDictionary(t => t.Id, t => library.Catalog.CountStems(new StemQuery { TrackId = t.Id }));
            if (json)
            {
                Output.Json(tracks.Select(t => TrackJson(library, t, counts[t.Id])));
                return 0;
            }
            if (tracks.Count == 0)
            {
                Output.Line("No tracks yet.");
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            Output.Table(["id", "name", "format", "seconds", "stems", "source"],
                tracks.Select(t => (IReadOnlyList<string?>)[t.Id.ToString(inv), t.Name, t.Format, Seconds(t.Duration), counts[t.Id].ToString(inv), t.SourcePath]));
            return 0;
        });
        var id = new Argument<long>("id") { Description = "Track id" };
        var show = new Command("show", "Show a track and its stems") { id };
        show.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var track = library.Catalog.GetTrack(pr.GetValue(id))
                ?? throw new NotFoundException($"There is no track {pr.GetValue(id)} in this library; list them with 'traum tracks list'.");
            var stems = library.Catalog.ListStems(new StemQuery { TrackId = track.Id });
            if (json)
            {
                Output.Json(new { track = TrackJson(library, track, stems.Count), stems = stems.Select(s => StemsCommand.StemJson(library, s, library.Catalog.GetDescriptors(s.Id))) });
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            Output.Table(["field", "value"],
            [
                ["id", track.Id.ToString(inv)],
                ["name", track.Name],
                ["source", track.SourcePath],
                ["file", track.FilePath is null ? "(not kept)" : library.ResolveFile(track.FilePath)],
                ["format", track.Format],
                ["duration", Seconds(track.Duration) + " s"],
                ["content hash", track.ContentHash],
                ["added", track.CreatedAt.ToString("u", inv)],
            ], title: $"track {track.Id}");
            if (stems.Count > 0)
            {
                Output.Table(["id", "name", "kind", "seconds", "file"],
                    stems.Select(s => (IReadOnlyList<string?>)[s.Id.ToString(inv), s.Name, s.Kind, Seconds(s.Duration), library.ResolveFile(s.FilePath)]), title: "stems");
            }
            return 0;
        });
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(show);
        return cmd;
    }

    private static object TrackJson(Library library, Track t, int stems) => new
    {
        t.Id,
        t.Name,
        t.SourcePath,
        File = t.FilePath is null ? null : library.ResolveFile(t.FilePath),
        t.Format,
        t.Duration,
        t.ContentHash,
        t.CreatedAt,
        Stems = stems,
    };
}
