using TorchSharp;
using static TorchSharp.torch;

namespace Traum.Generative;

/// <summary>
/// Adam (Kingma and Ba 2015), the same update as <c>torch.optim.Adam</c> without weight decay or AMSGrad:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
/// Written here rather than using TorchSharp's optimizer because that one converts plain numbers to native
/// <see cref="Scalar"/> objects that only the garbage collector frees, which can happen while the native call
/// still reads them (seen as a sporadic "toFloat" failure inside <c>Adam.step</c> when other threads allocate);
/// every scalar here is owned and disposed explicitly after its call.
/// </summary>
internal sealed class AdamOptimizer : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private readonly double _lr;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private long _step;

    public AdamOptimizer(IEnumerable<Tensor> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        using (no_grad())
        {
            _m = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
            _v = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        }
        _lr = lr;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
    }

    /// <summary>Steps taken so far.</summary>
    public long Steps => _step;

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    /// <summary>
    /// Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/> (like <c>clip_grad_norm_</c>);
    /// returns the norm before clipping (non-finite when a gradient is).
    /// </summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double sq = 0;
        foreach (var p in _parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            // g·g rather than square(): TorchSharp's square() passes a temporary Scalar to native code without keeping
            // it alive, and a collection during the call lets libtorch read a freed scalar ("Scalar.h INTERNAL ASSERT").
            sq += g.mul(g).sum().item<float>();
        }
        var norm = Math.Sqrt(sq);
        if (maxNorm > 0 && double.IsFinite(norm) && norm > maxNorm)
        {
            using var factor = (maxNorm / (norm + 1e-6)).ToScalar();
            foreach (var p in _parameters) p.grad?.mul_(factor);
        }
        return norm;
    }

    /// <summary>Applies one update at the constructor's learning rate.</summary>
    public void Step() => Step(_lr);

    /// <summary>Applies one update from the parameters' current gradients at learning rate <paramref name="lr"/> (parameters without a gradient are skipped).</summary>
    public void Step(double lr)
    {
        _step++;
        var bc1 = 1 - Math.Pow(_beta1, _step);
        var bc2 = 1 - Math.Pow(_beta2, _step);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var beta1 = _beta1.ToScalar();
        using var oneMinusBeta1 = (1 - _beta1).ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        using var eps = _eps.ToScalar();
        using var one = 1.0.ToScalar();
        using var stepSize = (-lr / bc1).ToScalar();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var g = _parameters[i].grad;
            if (g is null) continue;
            _m[i].mul_(beta1).add_(g, oneMinusBeta1);
            _v[i].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            var denom = _v[i].sqrt().div_(sqrtBc2).add_(eps, one);
            _parameters[i].addcdiv_(_m[i], denom, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var t in _m) t.Dispose();
        foreach (var t in _v) t.Dispose();
    }
}
