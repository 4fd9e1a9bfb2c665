namespace Traum.Models;

/// <summary>One check of a model self-check (<see cref="Clap.ClapSelfCheck"/>, <see cref="Demucs.DemucsSelfCheck"/>).</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">True when it passed; null when it did not apply (e.g. goldens on a non-RoBERTa vocabulary).</param>
/// <param name="Detail">What was found.</param>
public sealed record SelfCheckResult(string Name, bool? Passed, string Detail);
