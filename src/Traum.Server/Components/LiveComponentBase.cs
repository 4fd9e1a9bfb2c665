using Microsoft.AspNetCore.Components;
using Traum.Server.Jobs;

namespace Traum.Server.Components;

/// <summary>
/// A component that re-renders when jobs change: it listens to <see cref="JobEvents"/> and re-renders at most
/// every 150 ms through the circuit, so progress shows without a reload and without flooding the connection.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    private int _pending;
    private bool _disposed;

    [Inject] internal JobEvents Events { get; set; } = default!;

    /// <summary>Starts listening to job events; a derived component that overrides this calls it first.</summary>
    protected override void OnInitialized()
    {
        Events.Published += OnPublished;
    }

    /// <summary>Whether this component cares about the event (all by default).</summary>
    internal virtual bool Wants(JobEvent e) => true;

    /// <summary>Updates the component's state from the event (called on the publishing thread, before the render is queued).</summary>
    internal virtual void Apply(JobEvent e)
    {
    }

    private void OnPublished(JobEvent e)
    {
        if (_disposed || !Wants(e)) return;
        Apply(e);
        var finished = e.Type == "state";
        if (!finished && Interlocked.Exchange(ref _pending, 1) == 1) return;
        _ = RenderSoonAsync(finished);
    }

    private async Task RenderSoonAsync(bool now)
    {
        try
        {
            if (!now) await Task.Delay(150).ConfigureAwait(false);
            Volatile.Write(ref _pending, 0);
            if (_disposed) return;
            await InvokeAsync(async () =>
            {
                await OnJobChangedAsync().ConfigureAwait(true);
                StateHasChanged();
            }).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The circuit is gone.
        }
    }

    /// <summary>Runs on the renderer before re-rendering (e.g. to load a finished job's results).</summary>
    protected virtual Task OnJobChangedAsync() => Task.CompletedTask;

    /// <summary>Stops listening to job events (the circuit ended or the component left the page), then <see cref="Dispose(bool)"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        Events.Published -= OnPublished;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what a derived component holds besides the event subscription.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
