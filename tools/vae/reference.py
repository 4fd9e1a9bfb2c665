#!/usr/bin/env python3
"""The default Traum VAE and its training step in PyTorch, for comparing speed and results with
`dotnet run -c Release --project bench/Traum.Benchmarks -- e2e vae` on the same data.

Requires torch and numpy (not installed by Traum). Usage:
    python3 tools/vae/reference.py [--stems 64] [--epochs 3] [--threads 2]

It rebuilds the benchmark's data set exactly: bass notes (MIDI 33 + i mod 24; fundamental plus 2nd and 3rd
harmonics at 1, 1/2, 1/3; 10 ms linear attack; exp(-t/0.6) decay; peak-normalised to 0.5), 2 s at 22 050 Hz;
log(1 + |STFT|) with n_fft 1024, hop 256, periodic Hann, centred with reflect padding; flattened bins-major
(513 x 173 = 88 749 features); standardised per feature with divisor max(std, 1e-3) fitted on the training split.
Network: Linear(88749, 512) ReLU Dropout(0.1) Linear(512, 256) ReLU Dropout(0.1) -> mu, logvar: Linear(256, 32) each;
decoder Linear(32, 256) ReLU Linear(256, 512) ReLU Linear(512, 88749) (no output activation).
Loss per batch: mean squared error per element + beta * KL, where KL = -1/2 sum(1 + logvar - mu^2 - exp(logvar))
averaged over the batch and divided by 88 749. Adam lr 1e-3, batch 32, beta 1. The split and data order use
.NET's System.Random, so they differ here; timings and loss levels are what compare.
"""
import argparse
import math
import time

import numpy as np
import torch
from torch import nn

RATE, SECONDS, NFFT, HOP = 22050, 2.0, 1024, 256


def bass_note(midi: int) -> np.ndarray:
    f = 440.0 * 2 ** ((midi - 69) / 12)
    t = np.arange(int(round(SECONDS * RATE))) / RATE
    env = np.minimum(1, t / 0.01) * np.exp(-t / 0.6)
    x = sum(np.sin(2 * math.pi * f * h * t) / h for h in (1, 2, 3)) * env
    return (x * (0.5 / np.abs(x).max())).astype(np.float32)


def features(clips: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(clips)
    spec = torch.stft(x, NFFT, HOP, NFFT, torch.hann_window(NFFT, periodic=True), center=True,
                      pad_mode="reflect", normalized=False, onesided=True, return_complex=True)
    return spec.abs().log1p().reshape(len(clips), -1)


class AudioVae(nn.Module):
    def __init__(self, d: int, hidden=(512, 256), latent=32, dropout=0.1):
        super().__init__()
        enc, w = [], d
        for h in hidden:
            enc += [nn.Linear(w, h), nn.ReLU(), nn.Dropout(dropout)]
            w = h
        self.encoder = nn.Sequential(*enc)
        self.fc_mu, self.fc_logvar = nn.Linear(w, latent), nn.Linear(w, latent)
        dec, w = [], latent
        for h in reversed(hidden):
            dec += [nn.Linear(w, h), nn.ReLU()]
            w = h
        dec.append(nn.Linear(w, d))
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        return self.decoder(z), mu, logvar


def loss_fn(recon, x, mu, logvar, beta=1.0):
    mse = nn.functional.mse_loss(recon, x)
    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean() / x.shape[1]
    return mse + beta * kl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stems", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1234)
    data = features(np.stack([bass_note(33 + i % 24) for i in range(a.stems)]))
    n_val = max(1, round(len(data) * 0.15))
    perm = torch.randperm(len(data))
    train, val = data[perm[n_val:]], data[perm[:n_val]]
    mean, std = train.mean(0), train.std(0, unbiased=False).clamp_min(1e-3)
    train, val = (train - mean) / std, (val - mean) / std
    model = AudioVae(data.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(train))
        for b in range(0, len(train), 32):
            x = train[order[b:b + 32]]
            opt.zero_grad()
            loss = loss_fn(*(lambda r: (r[0], x, r[1], r[2]))(model(x)))
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            r, mu, lv = model(val)
            v = loss_fn(r, val, mu, lv).item()
        dt = time.perf_counter() - t0
        print(f"epoch {epoch}: {dt:.2f} s, {len(train) / dt:.1f} samples/s, val {v:.4f}")


if __name__ == "__main__":
    main()
