#!/usr/bin/env python3
"""The default convolutional Traum VAE and its training step in PyTorch, for timing against
`dotnet run -c Release --project bench/Traum.Benchmarks -- e2e vae-step` with the same shape (that command prints it).

Requires torch (Debian: python3-torch). Usage:
    python3 tools/vae/conv_reference.py --bins 513 --frames 173 --channels C --levels L [--latent 32] [--batch 8] [--steps 30] [--threads 2]

Network (AudioVae.cs, ConvVae): input [B, bins*frames] viewed as [B, bins, frames]; L x (Conv1d k4 s2 p1, first bins -> C,
then C -> C; LeakyReLU 0.1); flatten; dropout 0.1; Linear heads to mu and logvar; decoder Linear -> view [B, C, frames >> L]
-> L x ConvTranspose1d k4 s2 p1 (output padding so lengths retrace the encoder), LeakyReLU between, last to bins channels.
Step: MSE per element + KL per element (beta 1), backward, clip_grad_norm_(1), Adam lr 1e-3, on random N(0, 1) input.
"""
import argparse
import time

import torch
from torch import nn


class ConvVae(nn.Module):
    def __init__(self, bins, frames, channels, levels, latent, dropout=0.1):
        super().__init__()
        self.bins, self.frames, self.c = bins, frames, channels
        lengths = [frames]
        for _ in range(levels):
            lengths.append(lengths[-1] // 2)
        self.lengths = lengths
        self.enc = nn.ModuleList(nn.Conv1d(bins if i == 0 else channels, channels, 4, 2, 1) for i in range(levels))
        flat = channels * lengths[-1]
        self.fc_mu, self.fc_logvar, self.fc_decode = nn.Linear(flat, latent), nn.Linear(flat, latent), nn.Linear(latent, flat)
        self.dec = nn.ModuleList(
            nn.ConvTranspose1d(channels, bins if i == 1 else channels, 4, 2, 1, output_padding=lengths[i - 1] - 2 * lengths[i])
            for i in range(levels, 0, -1))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        h = x.view(x.shape[0], self.bins, self.frames)
        for conv in self.enc:
            h = nn.functional.leaky_relu(conv(h), 0.1)
        h = self.dropout(h.flatten(1))
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        h = self.fc_decode(z).view(z.shape[0], self.c, self.lengths[-1])
        for i, conv in enumerate(self.dec):
            h = conv(h)
            if i < len(self.dec) - 1:
                h = nn.functional.leaky_relu(h, 0.1)
        return h.flatten(1), mu, logvar


def main():
    p = argparse.ArgumentParser()
    for name, default in [("bins", 513), ("frames", 173), ("channels", 64), ("levels", 3), ("latent", 32), ("batch", 8), ("steps", 30), ("threads", 2)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = ConvVae(a.bins, a.frames, a.channels, a.levels, a.latent)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, a.bins * a.frames)

    def step():
        opt.zero_grad()
        recon, mu, logvar = model(x)
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).mean(0).sum() / x.shape[1]
        loss = nn.functional.mse_loss(recon, x) + kl
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(3):
        step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    ms = (time.perf_counter() - t) * 1000 / a.steps
    params = sum(p.numel() for p in model.parameters())
    load = open("/proc/loadavg").read().split()[0]
    print(f"PyTorch {torch.__version__} conv VAE: bins {a.bins}, frames {a.frames}, channels {a.channels}, levels {a.levels}, "
          f"latent {a.latent}, parameters {params}, batch {a.batch}, threads {a.threads}: {ms:.1f} ms per step; load average {load}")


if __name__ == "__main__":
    main()
