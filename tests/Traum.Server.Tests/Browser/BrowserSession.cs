using Microsoft.Playwright;

namespace Traum.Server.Tests.Browser;

/// <summary>
/// Debian's chromium driven by Playwright (its bundled node driver; no browser download): headless, with the flags
/// this machine needs, one page at a laptop-sized viewport.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>JavaScript errors the page raised.</summary>
    public List<string> Errors { get; } = [];

    public static async Task<BrowserSession> StartAsync(Uri baseAddress)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
            ColorScheme = ColorScheme.Dark,
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(playwright, browser, context, page);
        page.PageError += (_, e) => session.Errors.Add(e);
        return session;
    }

    /// <summary>Opens <paramref name="path"/> and waits until the Blazor circuit is interactive.</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path);
        // The layout marks the body once the circuit is connected and the page is interactive.
        await Page.Locator("body[data-interactive='1']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>Saves a full-page screenshot as docs/screenshots/<paramref name="name"/>.png.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(Repo.Root, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await Page.WaitForTimeoutAsync(300); // let waveforms finish drawing
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
