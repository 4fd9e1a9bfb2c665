#!/usr/bin/python3
"""Writes small ONNX graphs with exactly the input/output shapes of the split htdemucs export.

Every fixture is linear: for source s, output channel k,
    time[0, s, k, :]      = sum_c Mt[s][k][c] * mix[0, c, :]        (Mt: S x 2 x 2)
    freq[0, s, k, :, :]   = sum_c Mf[s][k][c] * spec[0, c, :, :]    (Mf: S x 4 x 4)
The matrices are stored in fixture.json next to the graph, so an independent implementation
(tools/demucs/reference.py) can compute what a correct separator must produce.

Usage: /usr/bin/python3 tools/demucs/make_fixtures.py OUT_DIR
Writes one folder per fixture, each with model.json (Traum's manifest), fixture.json and the graph(s).
Only Transpose/MatMul/Reshape are used, so the graphs are a few kilobytes.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEGMENT = 343980
BINS = 2048
FRAMES = 336
SR = 44100
SOURCES4 = ["drums", "bass", "other", "vocals"]
SOURCES6 = ["drums", "bass", "other", "vocals", "guitar", "piano"]


def diag(values, n):
    return [[[v if k == c else 0.0 for c in range(n)] for k in range(n)] for v in values]


def graph(mt, mf, spec_first=False, names=("mix", "spec", "freq", "time"), outputs_time_first=False):
    s = len(mt)
    mix_name, spec_name, freq_name, time_name = names
    mt_w = np.array(mt, dtype=np.float32)  # [S, k, c]
    mf_w = np.array(mf, dtype=np.float32)
    # MatMul weights [c, S*k]
    wt = mt_w.transpose(2, 0, 1).reshape(2, s * 2)
    wf = mf_w.transpose(2, 0, 1).reshape(4, s * 4)
    nodes = [
        helper.make_node("Transpose", [mix_name], ["mix_t"], perm=[0, 2, 1]),           # [1, N, 2]
        helper.make_node("MatMul", ["mix_t", "wt"], ["time_m"]),                         # [1, N, S*2]
        helper.make_node("Reshape", ["time_m", "shape_t"], ["time_r"]),                  # [1, N, S, 2]
        helper.make_node("Transpose", ["time_r"], [time_name], perm=[0, 2, 3, 1]),       # [1, S, 2, N]
        helper.make_node("Transpose", [spec_name], ["spec_t"], perm=[0, 2, 3, 1]),      # [1, F, T, 4]
        helper.make_node("MatMul", ["spec_t", "wf"], ["freq_m"]),                        # [1, F, T, S*4]
        helper.make_node("Reshape", ["freq_m", "shape_f"], ["freq_r"]),                  # [1, F, T, S, 4]
        helper.make_node("Transpose", ["freq_r"], [freq_name], perm=[0, 3, 4, 1, 2]),    # [1, S, 4, F, T]
    ]
    inits = [
        numpy_helper.from_array(wt, "wt"),
        numpy_helper.from_array(wf, "wf"),
        numpy_helper.from_array(np.array([1, SEGMENT, s, 2], dtype=np.int64), "shape_t"),
        numpy_helper.from_array(np.array([1, BINS, FRAMES, s, 4], dtype=np.int64), "shape_f"),
    ]
    mix = helper.make_tensor_value_info(mix_name, TensorProto.FLOAT, [1, 2, SEGMENT])
    spec = helper.make_tensor_value_info(spec_name, TensorProto.FLOAT, [1, 4, BINS, FRAMES])
    freq = helper.make_tensor_value_info(freq_name, TensorProto.FLOAT, [1, s, 4, BINS, FRAMES])
    time = helper.make_tensor_value_info(time_name, TensorProto.FLOAT, [1, s, 2, SEGMENT])
    inputs = [spec, mix] if spec_first else [mix, spec]
    outputs = [time, freq] if outputs_time_first else [freq, time]
    g = helper.make_graph(nodes, "demucs_fixture", inputs, outputs, inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="traum-fixtures")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def write(out, name, sources, graphs):
    """graphs: list of (file, stems or None, mt, mf, kwargs)."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    manifest = {"name": name, "sources": sources, "sampleRate": SR, "segment": SEGMENT, "graphs": []}
    fixture = {"graphs": []}
    for file, stems, mt, mf, kw in graphs:
        onnx.save(graph(mt, mf, **kw), os.path.join(d, file))
        entry = {"file": file}
        if stems is not None:
            entry["stems"] = stems
        manifest["graphs"].append(entry)
        fixture["graphs"].append({"file": file, "stems": stems, "mt": mt, "mf": mf})
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    with open(os.path.join(d, "fixture.json"), "w") as f:
        json.dump(fixture, f)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "demucs")
    zero2 = [[0.0, 0.0], [0.0, 0.0]]
    zero4 = [[0.0] * 4 for _ in range(4)]

    # Both branches; the fractions of all sources over both branches sum to 1.
    a4, b4 = [0.05, 0.10, 0.15, 0.20], [0.10, 0.10, 0.15, 0.15]
    write(out, "fractions4", SOURCES4, [("model.onnx", None, diag(a4, 2), diag(b4, 4), {})])

    # Time branch only: the stems sum to the mix exactly, whatever the signal.
    t4 = [0.1, 0.2, 0.3, 0.4]
    write(out, "time4", SOURCES4, [("model.onnx", None, diag(t4, 2), diag([0.0] * 4, 4), {})])

    a6, b6 = [0.05, 0.05, 0.10, 0.10, 0.05, 0.15], [0.10, 0.05, 0.10, 0.05, 0.10, 0.10]
    write(out, "fractions6", SOURCES6, [("model.onnx", None, diag(a6, 2), diag(b6, 4), {})])

    # Output depends on the channel order; inputs and outputs in the other order and with other names.
    #   drums:  frequency branch, left = -i * left spectrum (re <- im, im <- -re), right = 0
    #   bass:   frequency branch, left and right swapped
    #   other:  time branch, left and right swapped
    #   vocals: time branch, both channels = 0.5 * left
    mf_drums = [[0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    mf_bass = [[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]
    mt = [zero2, zero2, [[0, 1], [1, 0]], [[0.5, 0], [0.5, 0]]]
    mf = [mf_drums, mf_bass, zero4, zero4]
    mt = [[[float(v) for v in r] for r in m] for m in mt]
    mf = [[[float(v) for v in r] for r in m] for m in mf]
    write(out, "channels4", SOURCES4, [("model.onnx", None, mt, mf,
                                         {"spec_first": True, "outputs_time_first": True,
                                          "names": ("waveform", "mag", "x", "xt")})])

    # Stems louder than the mix (drums 1.5×, bass −0.5×): exercises clipping (rescale / clamp) on write.
    write(out, "gain4", SOURCES4, [("model.onnx", None, diag([1.5, -0.5, 0.0, 0.0], 2), diag([0.0] * 4, 4), {})])

    # A bag of specialists: graph g is right only for its own stem g (fraction (g+1)/10), wrong (0.9) for
    # every other one, so taking any stem from the wrong graph breaks the sum.
    graphs = []
    for g, stem in enumerate(SOURCES4):
        a = [0.9] * 4
        a[g] = (g + 1) / 10
        graphs.append((f"{stem}.onnx", [stem], diag(a, 2), diag([0.0] * 4, 4), {}))
    write(out, "bag4", SOURCES4, graphs)


if __name__ == "__main__":
    main()
