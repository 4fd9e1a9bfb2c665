using System.CommandLine;
using System.Globalization;
using Traum.Catalog;
using Traum.Core;
using static Traum.Cli.Commands.LibraryCommandSupport;

namespace Traum.Cli.Commands;

/// <summary><c>traum stems list|show|tag|untag|set|rm</c>.</summary>
internal static class StemsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var cmd = new Command("stems", "List, inspect, tag and remove stems in the library");
        cmd.Subcommands.Add(List(globals));
        cmd.Subcommands.Add(Show(globals));
        cmd.Subcommands.Add(Tag(globals, remove: false));
        cmd.Subcommands.Add(Tag(globals, remove: true));
        cmd.Subcommands.Add(Set(globals));
        cmd.Subcommands.Add(Remove(globals));
        return cmd;
    }

    /// <summary>The listing filters: the vocabulary of <see cref="StemFilter"/>, which the API and the library page share.</summary>
    internal sealed class Filters
    {
        public Option<string?> Name { get; } = new("--name") { Description = "Only names containing this text (case-insensitive)" };
        public Option<string?> Kind { get; } = new("--kind") { Description = "Only this kind (drums, bass, other, vocals, guitar, piano, or one in use)" };
        public Option<string?> Category { get; } = new("--category") { Description = "Only this category (kick, 808, pad, … as in use)" };
        public Option<string?> Tag { get; } = new("--tag") { Description = "Only stems with this tag" };
        public Option<string?> Bpm { get; } = new("--bpm") { Description = "Tempo in BPM: 124 (123.5-124.5), a range 120-130, 120- or -130 (the tempo a name states first, then the estimate)" };
        public Option<bool> HalfDouble { get; } = new("--half-double") { Description = "Also match half and double the --bpm range (124 also finds 62 and 248)" };
        public Option<string?> Key { get; } = new("--key") { Description = "Musical key: Am, C, F#m, Bb minor, 8A (the key a name states first, then the estimate)" };
        public Option<string?> Compatible { get; } = new("--compatible") { Description = "Keys that mix with this one on the Camelot wheel: same, relative, a fifth up or down (e.g. --compatible Am)" };
        public Option<double?> MinDuration { get; } = new("--min-duration") { Description = "Shortest length in seconds" };
        public Option<double?> MaxDuration { get; } = new("--max-duration") { Description = "Longest length in seconds" };
        public Option<string?> Shape { get; } = new("--shape") { Description = "Only loops (loop) or only one-shots (one-shot)" };
        public Option<string?> Origin { get; } = new("--origin") { Description = "Only separated, imported or generated stems" };
        public Option<bool> Favourites { get; } = new("--favourites") { Description = "Only favourites" };
        public Option<int?> MinRating { get; } = new("--min-rating") { Description = "Only stems rated at least this many stars (1 to 5)" };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Name, Kind, Category, Tag, Bpm, HalfDouble, Key, Compatible, MinDuration, MaxDuration, Shape, Origin, Favourites, MinRating }) c.Options.Add(o);
        }

        /// <summary>The filter as typed (not checked yet).</summary>
        public StemFilter Read(ParseResult pr) => new()
        {
            Name = pr.GetValue(Name),
            Kind = pr.GetValue(Kind),
            Category = pr.GetValue(Category),
            Tag = pr.GetValue(Tag),
            Bpm = pr.GetValue(Bpm),
            HalfDouble = pr.GetValue(HalfDouble),
            Key = pr.GetValue(Key),
            Compatible = pr.GetValue(Compatible),
            MinDuration = pr.GetValue(MinDuration),
            MaxDuration = pr.GetValue(MaxDuration),
            Shape = pr.GetValue(Shape),
            Origin = pr.GetValue(Origin),
            Favourites = pr.GetValue(Favourites),
            MinRating = pr.GetValue(MinRating),
        };
    }

    private static Command List(GlobalOptions globals)
    {
        var filters = new Filters();
        var sort = new Option<string>("--sort") { Description = "Order: id, name, kind, category, duration (length), bpm, key, loudness, created (date), rating", DefaultValueFactory = _ => "id" };
        var desc = new Option<bool>("--desc") { Description = "Reverse the order" };
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many stems (default: 200 on a terminal, all with --json)" };
        var cmd = new Command("list", "List stems, filtered and sorted") { sort, desc, limit };
        filters.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            var filter = filters.Read(pr) with { Sort = pr.GetValue(sort), Descending = pr.GetValue(desc) };
            _ = StemFilters.ToQuery(filter, inUse: null); // malformed values fail before the library is opened
            var n = pr.GetValue(limit) ?? (json ? null : 200);
            if (n is < 0) throw new InvalidInputException("--limit must not be negative.");
            using var library = Open(Context(pr, globals), json);
            var query = StemFilters.ToQuery(filter, library.Catalog.CountByCategory()) with { Limit = n };
            var stems = library.Catalog.ListStems(query);
            var described = library.Catalog.GetDescriptors([.. stems.Select(st => st.Id)]);
            var rows = stems.Select(st => (Stem: st, Descriptors: described.GetValueOrDefault(st.Id))).ToList();
            if (json)
            {
                Output.Json(rows.Select(r => StemJson(library, r.Stem, r.Descriptors)));
                return 0;
            }
            var total = library.Catalog.CountStems(query);
            if (total == 0)
            {
                Output.Line(library.Catalog.CountStems() == 0 ? "No stems match: the library has no stems yet." : "No stems match these filters.");
                return 0;
            }
            Output.Table(["id", "name", "kind", "category", "origin", "seconds", "bpm", "key", "lufs", "marks", "tags"],
                rows.Select(r => (IReadOnlyList<string?>)
                [
                    r.Stem.Id.ToString(CultureInfo.InvariantCulture), r.Stem.Name, r.Stem.Kind, r.Stem.Category, Origin(r.Stem.Origin),
                    Seconds(r.Stem.Duration), BpmText(r.Descriptors), FilterKeyName(r.Descriptors), Number(r.Descriptors?.Lufs),
                    Marks(r.Stem), string.Join(", ", r.Stem.Tags),
                ]));
            if (total > stems.Count) Output.Note($"{stems.Count} of {total} stems shown; use --limit to see more.");
            return 0;
        });
        return cmd;
    }

    private static Command Show(GlobalOptions globals)
    {
        var id = new Argument<long>("id") { Description = "Stem id" };
        var cmd = new Command("show", "Show one stem: where it is, where it came from, its descriptors and profile") { id };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var stem = library.Catalog.GetRequiredStem(pr.GetValue(id));
            var d = library.Catalog.GetDescriptors(stem.Id);
            var profile = library.Catalog.GetLatestProfile(stem.Id);
            if (json)
            {
                Output.Json(new { stem = StemJson(library, stem, d), profile });
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            var rows = new List<IReadOnlyList<string?>>
            {
                new[] { "id", stem.Id.ToString(inv) },
                new[] { "name", stem.Name },
                new[] { "kind", stem.Kind },
                new[] { "category", stem.Category },
                new[] { "origin", Origin(stem.Origin) },
                new[] { "file", library.ResolveFile(stem.FilePath) },
                new[] { "source", stem.SourcePath },
                new[] { "track", stem.TrackId?.ToString(inv) },
                new[] { "generation", stem.GenerationId?.ToString(inv) },
                new[] { "format", string.Create(inv, $"{stem.SampleRate} Hz, {stem.Channels} channel(s)") },
                new[] { "duration", Seconds(stem.Duration) + " s" },
                new[] { "content hash", stem.ContentHash },
                new[] { "tags", string.Join(", ", stem.Tags) },
                new[] { "favourite", stem.Favourite ? "yes" : "no" },
                new[] { "rating", stem.Rating is { } stars ? new string('*', stars) + $" ({stars} of 5)" : "not rated" },
                new[] { "added", stem.CreatedAt.ToString("u", inv) },
            };
            if (d is not null)
            {
                rows.Add(["peak", Number(d.PeakDb, "0.0") + " dBFS"]);
                rows.Add(["rms", Number(d.RmsDb, "0.0") + " dBFS"]);
                rows.Add(["loudness", Number(d.Lufs, "0.0") + " LUFS"]);
                rows.Add(["max momentary / short-term", $"{Number(d.MomentaryMaxLufs, "0.0")} / {Number(d.ShortTermMaxLufs, "0.0")} LUFS"]);
                rows.Add(["loudness range", d.LoudnessRange is { } lra ? Number(lra, "0.0") + " LU" : "none (under 3 s)"]);
                rows.Add(["true peak", Number(d.TruePeakDb, "0.0") + " dBTP"]);
                rows.Add(["spectral centroid", Number(d.SpectralCentroid, "0") + " Hz"]);
                rows.Add(["bandwidth", Number(d.SpectralBandwidth, "0") + " Hz"]);
                rows.Add(["roll-off (85 %)", Number(d.SpectralRolloff, "0") + " Hz"]);
                rows.Add(["flatness", Number(d.SpectralFlatness, "0.000")]);
                rows.Add(["zero-crossing rate", Number(d.ZeroCrossingRate, "0.0000")]);
                rows.Add(["onsets per second", Number(d.OnsetDensity, "0.00")]);
                rows.Add(["tempo", d.Bpm is null ? "none" : $"{Number(d.Bpm)} BPM (confidence {Number(d.BpmConfidence, "0.00")})"]);
                if (d.LoopBars is { } bars) rows.Add(["loop length", Number(bars, "0.##") + " bars"]);
                rows.Add(["key", d.Key is null ? "none" : $"{KeyName(d)} (confidence {Number(d.KeyConfidence, "0.00")})"]);
                if (d.StatedBpm is { } sb) rows.Add(["tempo stated by the name", Number(sb, "0.##") + " BPM (filters use it)"]);
                if (d.StatedKey is not null) rows.Add(["key stated by the name", FilterKeyName(d) + " (filters use it)"]);
                rows.Add(["shape", d.IsOneShot ? "one-shot" : "loop / phrase"]);
            }
            else
            {
                rows.Add(["descriptors", "not computed yet (run traum ingest on the source again)"]);
            }
            Output.Table(["field", "value"], rows, title: $"stem {stem.Id}");

            // ── Semantic profile: per family, one bar per label (score 0…1 and percentile). ──
            if (profile is not null) PrintProfile(profile);
            return 0;
        });
        return cmd;
    }

    /// <summary>The semantic profile as text bars (per family, one bar per label: score 0…1 and percentile).</summary>
    internal static void PrintProfile(SemanticProfile profile)
    {
        Output.Line($"semantic profile ({profile.ModelId})");
        foreach (var line in Traum.Engine.Semantic.ProfileRenderer.Lines(profile)) Output.Line("  " + line);
    }

    private static Command Tag(GlobalOptions globals, bool remove)
    {
        var id = new Argument<long>("id") { Description = "Stem id" };
        var tags = new Argument<string[]>("tags") { Arity = ArgumentArity.OneOrMore, Description = "Tags" };
        var cmd = new Command(remove ? "untag" : "tag", remove ? "Remove tags from a stem" : "Add tags to a stem (use 'stems set' to change kind or category)") { id, tags };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var t = pr.GetValue(tags)!;
            var before = library.Catalog.GetRequiredStem(pr.GetValue(id)).Tags;
            // Tags compare case-insensitively, as the catalog stores them.
            var absent = remove ? t.Select(x => x.Trim()).Where(x => !before.Contains(x, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase).ToList() : [];
            var stem = remove ? library.Catalog.RemoveTags(pr.GetValue(id), t) : library.Catalog.AddTags(pr.GetValue(id), t);
            if (json)
            {
                Output.Json(new { stem.Id, stem.Tags, notTagged = absent });
            }
            else
            {
                if (absent.Count > 0) Output.Note($"stem {stem.Id} had no tag {string.Join(", ", absent.Select(a => $"'{a}'"))}");
                Output.Line($"stem {stem.Id}: tags {(stem.Tags.Count == 0 ? "(none)" : string.Join(", ", stem.Tags))}");
            }
            // Removing only tags the stem did not have changed nothing: say so with the exit code too.
            return remove && absent.Count == t.Select(x => x.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() ? CliApp.ExitUserError : CliApp.ExitOk;
        });
        return cmd;
    }

    private static Command Set(GlobalOptions globals)
    {
        var id = new Argument<long>("id") { Description = "Stem id" };
        var kind = new Option<string?>("--kind") { Description = "New kind" };
        var category = new Option<string?>("--category") { Description = "New category" };
        var name = new Option<string?>("--name") { Description = "New display name" };
        var favourite = new Option<bool?>("--favourite") { Description = "Mark (true) or unmark (false) as a favourite" };
        var rating = new Option<int?>("--rating") { Description = "Rating in stars, 1 to 5; 0 removes it" };
        var cmd = new Command("set", "Change a stem's kind, category, name, favourite mark or rating") { id, kind, category, name, favourite, rating };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            if (pr.GetValue(kind) is null && pr.GetValue(category) is null && pr.GetValue(name) is null && pr.GetValue(favourite) is null && pr.GetValue(rating) is null)
            {
                throw new InvalidInputException("Nothing to change: give --kind, --category, --name, --favourite and/or --rating.");
            }
            using var library = Open(Context(pr, globals), json);
            var stem = library.Catalog.UpdateStem(pr.GetValue(id), pr.GetValue(kind), pr.GetValue(category), pr.GetValue(name), favourite: pr.GetValue(favourite), rating: pr.GetValue(rating));
            if (json) Output.Json(new { stem.Id, stem.Name, stem.Kind, stem.Category, stem.Favourite, stem.Rating });
            else Output.Line($"stem {stem.Id}: {stem.Name} is {stem.Kind}/{stem.Category}{(stem.Favourite ? ", a favourite" : "")}{(stem.Rating is { } r ? $", {r} stars" : "")}");
            return 0;
        });
        return cmd;
    }

    private static Command Remove(GlobalOptions globals)
    {
        var ids = new Argument<long[]>("ids") { Arity = ArgumentArity.OneOrMore, Description = "Stem ids" };
        var cmd = new Command("rm", "Remove stems; a file is deleted when no other stem uses it") { ids };
        cmd.SetAction(pr =>
        {
            var json = pr.GetValue(globals.Json);
            using var library = Open(Context(pr, globals), json);
            var targets = pr.GetValue(ids)!;
            // All or nothing: every id is checked first, and every unknown one is named.
            var unknown = targets.Distinct().Where(i => library.Catalog.GetStem(i) is null).ToList();
            if (unknown.Count > 0)
            {
                throw new Core.NotFoundException($"There is no stem{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)} in this library, so nothing was removed; list them with 'traum stems list'.");
            }
            var results = targets.Distinct().Select(library.DeleteStem).ToList();
            if (json)
            {
                Output.Json(results.Select(r => new { id = r.Stem.Id, fileDeleted = !r.FileShared && !Library.IsInPlace(r.Stem.FilePath), file = r.Stem.FilePath }));
            }
            else
            {
                foreach (var r in results)
                {
                    Output.Line($"removed stem {r.Stem.Id} ({r.Stem.Name}); {(Library.IsInPlace(r.Stem.FilePath) ? "your file stays where it is (indexed in place)" : r.FileShared ? "file kept: another stem uses it" : "file deleted")}");
                }
            }
            return 0;
        });
        return cmd;
    }

    internal static string Origin(StemOrigin o) => o.ToString().ToLowerInvariant();

    /// <summary>"fav 4/5", "fav", "3/5" or "" (plain text, so pipes and terminals without the glyphs read it).</summary>
    internal static string Marks(Stem s) =>
        string.Join(' ', new[] { s.Favourite ? "fav" : null, s.Rating is { } r ? $"{r}/5" : null }.Where(x => x is not null));

    /// <summary>The estimated key with its Camelot code: "Am (8A)"; a root without mode: "C".</summary>
    internal static string KeyName(Descriptors? d) =>
        d?.Key is { } k ? (d.Mode == "minor" ? k + "m" : k) + (d.Camelot is { } c ? $" ({c})" : "") : "";

    /// <summary>The key as filters see it: the one a name states ("Am (8A) stated"), else the estimate.</summary>
    internal static string FilterKeyName(Descriptors? d)
    {
        if (d?.StatedKey is not { } sk) return KeyName(d);
        var mode = d.StatedMode ?? "major";
        return (mode == "minor" ? sk + "m" : sk) + " (" + KeyNames.Camelot(sk, mode) + ") stated";
    }

    /// <summary>The tempo a name states ("128 stated"), else the estimate.</summary>
    internal static string BpmText(Descriptors? d) =>
        d?.StatedBpm is { } b ? b.ToString("0.#", CultureInfo.InvariantCulture) + " stated" : d?.Bpm is { } e ? e.ToString("0.#", CultureInfo.InvariantCulture) : "";

    internal static object StemJson(Library library, Stem s, Descriptors? d) => new
    {
        s.Id,
        s.Name,
        s.Kind,
        s.Category,
        Origin = Origin(s.Origin),
        s.TrackId,
        s.GenerationId,
        File = library.ResolveFile(s.FilePath),
        s.ContentHash,
        s.SourcePath,
        s.SampleRate,
        s.Channels,
        s.Duration,
        s.Tags,
        s.Favourite,
        s.Rating,
        s.CreatedAt,
        Descriptors = d,
    };
}
