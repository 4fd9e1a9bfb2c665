namespace Traum.Audio.Loudness;

/// <summary>Coefficients of one second-order IIR section: y = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²).</summary>
public readonly record struct BiquadCoefficients(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>Magnitude response in dB at <paramref name="frequency"/> Hz for <paramref name="sampleRate"/> Hz.</summary>
    public double MagnitudeDb(double frequency, int sampleRate)
    {
        var w = 2 * Math.PI * frequency / sampleRate;
        var z1 = System.Numerics.Complex.FromPolarCoordinates(1, -w);
        var z2 = z1 * z1;
        var h = (B0 + (B1 * z1) + (B2 * z2)) / (1 + (A1 * z1) + (A2 * z2));
        return 20 * Math.Log10(h.Magnitude);
    }
}

/// <summary>
/// The K-weighting pre-filter of ITU-R BS.1770-4 (a high-shelf "pre-filter" then the RLB high-pass) for any sample
/// rate. BS.1770 lists the coefficients for 48 kHz only; the analog prototypes below (as libebur128 and pyloudnorm
/// derive them) are mapped to the target rate with the bilinear transform, and give back the published 48 kHz
/// coefficients.
/// </summary>
public static class KWeighting
{
    // High shelf: centre 1681.97 Hz, +4.0 dB, Q 0.7072.
    private const double ShelfF0 = 1681.974450955533;
    private const double ShelfGainDb = 3.999843853973347;
    private const double ShelfQ = 0.7071752369554196;
    // RLB high-pass: 38.135 Hz, Q 0.5003.
    private const double HighPassF0 = 38.13547087602444;
    private const double HighPassQ = 0.5003270373238773;

    /// <summary>Stage 1, the shelving pre-filter, at <paramref name="sampleRate"/> Hz.</summary>
    public static BiquadCoefficients Shelf(int sampleRate)
    {
        var k = Math.Tan(Math.PI * ShelfF0 / sampleRate);
        var vh = Math.Pow(10.0, ShelfGainDb / 20.0);
        var vb = Math.Pow(vh, 0.4996667741545416);
        var a0 = 1.0 + (k / ShelfQ) + (k * k);
        return new BiquadCoefficients(
            (vh + (vb * k / ShelfQ) + (k * k)) / a0,
            2.0 * ((k * k) - vh) / a0,
            (vh - (vb * k / ShelfQ) + (k * k)) / a0,
            2.0 * ((k * k) - 1.0) / a0,
            (1.0 - (k / ShelfQ) + (k * k)) / a0);
    }

    /// <summary>Stage 2, the RLB high-pass, at <paramref name="sampleRate"/> Hz (numerator 1, −2, 1 as in BS.1770).</summary>
    public static BiquadCoefficients HighPass(int sampleRate)
    {
        var k = Math.Tan(Math.PI * HighPassF0 / sampleRate);
        var a0 = 1.0 + (k / HighPassQ) + (k * k);
        return new BiquadCoefficients(1.0, -2.0, 1.0, 2.0 * ((k * k) - 1.0) / a0, (1.0 - (k / HighPassQ) + (k * k)) / a0);
    }
}

/// <summary>Direct-form-I biquad state in double precision.</summary>
internal struct Biquad
{
    private readonly BiquadCoefficients _c;
    private double _x1, _x2, _y1, _y2;

    public Biquad(BiquadCoefficients c)
    {
        _c = c;
        _x1 = _x2 = _y1 = _y2 = 0;
    }

    public double Process(double x)
    {
        var y = (_c.B0 * x) + (_c.B1 * _x1) + (_c.B2 * _x2) - (_c.A1 * _y1) - (_c.A2 * _y2);
        _x2 = _x1;
        _x1 = x;
        _y2 = _y1;
        _y1 = y;
        return y;
    }
}
