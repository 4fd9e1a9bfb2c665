using Traum.Core;

namespace Traum.Server.Services;

/// <summary>A feature whose engine part is not part of this build; the server answers 503.</summary>
internal sealed class FeatureUnavailableException : TraumException
{
    public FeatureUnavailableException(string feature)
        : base($"{feature} is not available in this build.")
    {
        Feature = feature;
    }

    public FeatureUnavailableException() { }

    public FeatureUnavailableException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The feature's name, e.g. "Search".</summary>
    public string? Feature { get; }
}
