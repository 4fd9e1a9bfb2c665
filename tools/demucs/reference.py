#!/usr/bin/python3
"""Independent reference of Traum's Demucs separation for the fixture graphs (numpy only).

Follows demucs' apply_model/HTDemucs._spec/_ispec: track normalisation, chunks with triangular
weights, centred short last chunk, shift trick, and for split graphs (STFT outside the graph) reflect
padding 1536/1620, STFT (n_fft 4096, hop 1024, periodic Hann, normalised, centred), frames 2..337,
complex-as-channels, iSTFT and crop. Full graphs (STFT inside) map the chunk straight to the stems.
Graphs with float16 inputs and outputs see their inputs and give their outputs rounded to float16.

Usage: reference.py FIXTURE_DIR IN.f32 OUT.f32 [--overlap 0.25] [--offsets 0,17,...]
IN.f32: float32 planar [2, L]; OUT.f32: float32 planar [S, 2, L] in the manifest's source order.
"""
import argparse
import json
import os

import numpy as np

NFFT, HOP = 4096, 1024
MAX_SHIFT = 22050


def window():
    n = np.arange(NFFT)
    return 0.5 - 0.5 * np.cos(2 * np.pi * n / NFFT)


def stft(x):
    """x [..., n] -> [..., 2049, frames] like torch.stft(center=True, reflect, normalized=True)."""
    pad = NFFT // 2
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)], mode="reflect")
    frames = 1 + (xp.shape[-1] - NFFT) // HOP
    idx = np.arange(NFFT)[None, :] + HOP * np.arange(frames)[:, None]
    fr = xp[..., idx] * window()
    z = np.fft.rfft(fr, axis=-1, norm="ortho")
    return np.swapaxes(z, -1, -2)


def istft(z, length):
    """z [..., 2049, frames] -> [..., length] like torch.istft(center=True, normalized=True)."""
    frames = z.shape[-1]
    fr = np.fft.irfft(np.swapaxes(z, -1, -2), n=NFFT, axis=-1, norm="ortho") * window()
    total = NFFT + HOP * (frames - 1)
    y = np.zeros(z.shape[:-2] + (total,))
    env = np.zeros(total)
    w2 = window() ** 2
    for t in range(frames):
        y[..., t * HOP:t * HOP + NFFT] += fr[..., t, :]
        env[t * HOP:t * HOP + NFFT] += w2
    start = NFFT // 2
    y = y[..., start:start + length]
    return y / env[start:start + length]


def run_chunk(graphs, sources, chunk, seg):
    """chunk [2, seg] -> [S, 2, seg]."""
    le = -(-seg // HOP)
    pad = HOP // 2 * 3
    xp = np.pad(chunk, [(0, 0), (pad, pad + le * HOP - seg)], mode="reflect")
    z = stft(xp)[:, :-1, :][:, :, 2:2 + le]
    spec = np.stack([z[0].real, z[0].imag, z[1].real, z[1].imag])
    out = np.zeros((len(sources), 2, seg))
    for g in graphs:
        mt = np.array(g["mt"])
        if g.get("contract", "split") == "full":
            x = chunk.astype(np.float16).astype(np.float64) if g.get("fp16") else chunk
            n = np.arange(seg)
            gain = 1 + np.array(g["gains"])[:, None, None] * np.sin(g["omega"] * n)[None, None, :]
            y = np.einsum("skc,cn->skn", mt, x) * gain
            if g.get("fp16"):
                y = y.astype(np.float16).astype(np.float64)
        else:
            mf = np.array(g["mf"])
            time = np.einsum("skc,cn->skn", mt, chunk)
            freq = np.einsum("skc,cft->skft", mf, spec)
            zc = freq[:, 0::2] + 1j * freq[:, 1::2]
            zc = np.pad(zc, [(0, 0), (0, 0), (0, 1), (2, 2)])
            y = istft(zc, le * HOP + 2 * pad)[..., pad:pad + seg] + time
        stems = g["stems"] or sources
        for stem in stems:
            s = sources.index(stem)
            out[s] = y[s]
    return out


def apply_split(graphs, sources, x, seg, overlap):
    length = x.shape[-1]
    stride = int((1 - overlap) * seg)
    half = seg // 2
    weight = np.concatenate([np.arange(1, half + 1), np.arange(seg - half, 0, -1)]).astype(np.float64)
    weight /= weight.max()
    out = np.zeros((len(sources), 2, length))
    sw = np.zeros(length)
    for o in range(0, length, stride):
        n = min(seg, length - o)
        delta = seg - n
        start = o - delta // 2
        win = np.zeros((2, seg))
        a, b = max(0, start), min(length, start + seg)
        win[:, a - start:b - start] = x[:, a:b]
        y = run_chunk(graphs, sources, win, seg)[..., delta // 2:delta // 2 + n]
        out[..., o:o + n] += weight[:n] * y
        sw[o:o + n] += weight[:n]
    return out / sw


def main():
    p = argparse.ArgumentParser()
    p.add_argument("fixture")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--overlap", type=float, default=0.25)
    p.add_argument("--offsets", default="")
    a = p.parse_args()
    with open(os.path.join(a.fixture, "model.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(a.fixture, "fixture.json")) as f:
        graphs = json.load(f)["graphs"]
    sources, seg = manifest["sources"], manifest["segment"]
    mix = np.fromfile(a.input, dtype=np.float32).astype(np.float64).reshape(2, -1)
    ref = mix.mean(0)
    mean, std = ref.mean(), (ref.std(ddof=1) if ref.size > 1 else 0.0)
    x = (mix - mean) / (std + 1e-8)
    offsets = [int(v) for v in a.offsets.split(",") if v != ""]
    if offsets:
        length = x.shape[-1]
        padded = np.pad(x, [(0, 0), (MAX_SHIFT, MAX_SHIFT)])
        out = 0
        for off in offsets:
            shifted = padded[:, off:length + MAX_SHIFT]
            out = out + apply_split(graphs, sources, shifted, seg, a.overlap)[..., MAX_SHIFT - off:]
        out = out / len(offsets)
    else:
        out = apply_split(graphs, sources, x, seg, a.overlap)
    out = out * (std + 1e-8) + mean / len(sources)
    out.astype(np.float32).tofile(a.output)


if __name__ == "__main__":
    main()
