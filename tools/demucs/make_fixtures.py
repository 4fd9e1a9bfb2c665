#!/usr/bin/python3
"""Writes small ONNX graphs with exactly the input/output names, shapes and dtypes of the public htdemucs exports.

Split graphs (STFT outside: mix + spectrum -> frequency branch + time branch) are linear: for source s,
output channel k,
    time[0, s, k, :]      = sum_c Mt[s][k][c] * mix[0, c, :]        (Mt: S x 2 x 2)
    freq[0, s, k, :, :]   = sum_c Mf[s][k][c] * spec[0, c, :, :]    (Mf: S x 4 x 4)
Full graphs (STFT inside: mix -> stems) are linear in the mix with a gain that depends on the position n
inside the chunk, so a chunk placed at the wrong offset changes the result:
    stems[0, s, k, n]     = (sum_c Mt[s][k][c] * mix[0, c, n]) * (1 + A[s] * sin(omega * n))
The matrices (and A, omega, and whether the graph's inputs/outputs are float16) are stored in fixture.json next
to the graph, so an independent implementation (tools/demucs/reference.py) can compute what a correct
separator must produce.

Usage: /usr/bin/python3 tools/demucs/make_fixtures.py OUT_DIR
Writes one folder per fixture, each with model.json (Traum's manifest), fixture.json and the graph(s).
Only Transpose/MatMul/Reshape (and Range/Sin/Mul/Add/Cast for the full graphs) are used, so the graphs are a
few kilobytes whatever their fixed shapes.
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


def graph(mt, mf, spec_first=False, names=("mix", "spec", "freq", "time"), outputs_time_first=False,
          fp16_weights=False, opset=13):
    """A split graph. fp16_weights: the initializers are float16 and cast to float32 inside (inputs and
    outputs stay float32), as in the public '_safe16' exports."""
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
    if fp16_weights:
        nodes = [helper.make_node("Cast", ["wt16"], ["wt"], to=TensorProto.FLOAT),
                 helper.make_node("Cast", ["wf16"], ["wf"], to=TensorProto.FLOAT)] + nodes
        weights = [numpy_helper.from_array(wt.astype(np.float16), "wt16"), numpy_helper.from_array(wf.astype(np.float16), "wf16")]
    else:
        weights = [numpy_helper.from_array(wt, "wt"), numpy_helper.from_array(wf, "wf")]
    inits = weights + [
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
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="traum-fixtures")
    model.ir_version = 7 if opset <= 13 else 8
    onnx.checker.check_model(model)
    return model


def full_graph(mt, gains, omega, names=("mix", "stems"), fp16_io=False, opset=17):
    """A full graph (STFT inside in the real export): mix [1, 2, N] -> stems [1, S, 2, N]."""
    s = len(mt)
    mix_name, stems_name = names
    wt = np.array(mt, dtype=np.float32).transpose(2, 0, 1).reshape(2, s * 2)
    io = TensorProto.FLOAT16 if fp16_io else TensorProto.FLOAT
    x = mix_name
    nodes = []
    if fp16_io:
        nodes.append(helper.make_node("Cast", [mix_name], ["mix_f"], to=TensorProto.FLOAT))
        x = "mix_f"
    out = "stems_f" if fp16_io else stems_name
    nodes += [
        helper.make_node("Transpose", [x], ["mix_t"], perm=[0, 2, 1]),                 # [1, N, 2]
        helper.make_node("MatMul", ["mix_t", "wt"], ["lin_m"]),                          # [1, N, S*2]
        helper.make_node("Reshape", ["lin_m", "shape_t"], ["lin_r"]),                    # [1, N, S, 2]
        helper.make_node("Transpose", ["lin_r"], ["lin"], perm=[0, 2, 3, 1]),            # [1, S, 2, N]
        helper.make_node("Range", ["r_start", "r_limit", "r_delta"], ["pos"]),           # [N] = 0 … N-1
        helper.make_node("Mul", ["pos", "omega"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["sin"]),
        helper.make_node("Reshape", ["sin", "shape_n"], ["sin_r"]),                      # [1, 1, 1, N]
        helper.make_node("Mul", ["sin_r", "amp"], ["wobble"]),                           # [1, S, 1, N]
        helper.make_node("Add", ["wobble", "one"], ["gain"]),
        helper.make_node("Mul", ["lin", "gain"], [out]),                                 # [1, S, 2, N]
    ]
    if fp16_io:
        nodes.append(helper.make_node("Cast", ["stems_f"], [stems_name], to=TensorProto.FLOAT16))
    inits = [
        numpy_helper.from_array(wt, "wt"),
        numpy_helper.from_array(np.array([1, SEGMENT, s, 2], dtype=np.int64), "shape_t"),
        numpy_helper.from_array(np.array([1, 1, 1, SEGMENT], dtype=np.int64), "shape_n"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "r_start"),
        numpy_helper.from_array(np.array(float(SEGMENT), dtype=np.float32), "r_limit"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "r_delta"),
        numpy_helper.from_array(np.array(omega, dtype=np.float32), "omega"),
        numpy_helper.from_array(np.array(gains, dtype=np.float32).reshape(1, s, 1, 1), "amp"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
    ]
    mix = helper.make_tensor_value_info(mix_name, io, [1, 2, SEGMENT])
    stems = helper.make_tensor_value_info(stems_name, io, [1, s, 2, SEGMENT])
    g = helper.make_graph(nodes, "demucs_full_fixture", [mix], [stems], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="traum-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def other_layout_graph():
    """Inputs and outputs of an export with the frames before the channels (spec [1, 336, 4, 2048]), which fits
    neither contract: Traum must refuse it and say what it has."""
    nodes = [
        helper.make_node("Identity", ["spec"], ["out_spec"]),
        helper.make_node("Identity", ["mix"], ["out_wave"]),
    ]
    inputs = [helper.make_tensor_value_info("mix", TensorProto.FLOAT, [1, 2, SEGMENT]),
              helper.make_tensor_value_info("spec", TensorProto.FLOAT, [1, FRAMES, 4, BINS])]
    outputs = [helper.make_tensor_value_info("out_spec", TensorProto.FLOAT, [1, FRAMES, 4, BINS]),
               helper.make_tensor_value_info("out_wave", TensorProto.FLOAT, [1, 2, SEGMENT])]
    g = helper.make_graph(nodes, "other_layout", inputs, outputs)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="traum-fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write(out, name, sources, graphs, extra=None):
    """graphs: list of (file, stems or None, mt, mf, kwargs) for split graphs, or
    (file, stems or None, mt, ("full", gains, omega), kwargs) for full graphs.
    extra: more manifest fields (contract, sumTolerance)."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    manifest = {"name": name, "sources": sources, "sampleRate": SR, "segment": SEGMENT}
    manifest.update(extra or {})
    manifest["graphs"] = []
    fixture = {"graphs": []}
    for file, stems, mt, mf, kw in graphs:
        entry = {"file": file}
        if stems is not None:
            entry["stems"] = stems
        manifest["graphs"].append(entry)
        if isinstance(mf, tuple) and mf[0] == "full":
            _, gains, omega = mf
            onnx.save(full_graph(mt, gains, omega, **kw), os.path.join(d, file))
            fixture["graphs"].append({"file": file, "stems": stems, "contract": "full", "mt": mt, "gains": gains,
                                      "omega": omega, "fp16": bool(kw.get("fp16_io", False))})
        else:
            if kw.get("fp16_weights"):
                # The graph holds the weights as float16: record exactly the values it computes with.
                mt = np.array(mt, dtype=np.float16).astype(np.float64).tolist()
                mf = np.array(mf, dtype=np.float16).astype(np.float64).tolist()
            onnx.save(graph(mt, mf, **kw), os.path.join(d, file))
            fixture["graphs"].append({"file": file, "stems": stems, "contract": "split", "mt": mt, "mf": mf, "fp16": False})
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

    # --- The public exports' contracts, with their exact names, shapes and dtypes. ---

    # Ghilda/htdemucs-onnx: split graph, mix [1,2,343980] + mag [1,4,2048,336] -> freq [1,4,4,2048,336] + time [1,4,2,343980].
    # drums: 0.2 * (-i) * spectrum (re <- im, im <- -re) + 0.1 * the other channel's spectrum; bass: the opposite
    # rotation and swap + 0.2 * spectrum; other/vocals: time branch with cross-channel terms. A swapped re/im or L/R
    # packing changes every stem, yet all stems add up to the chunk (0.2 from the spectrum, 0.8 from the waveform).
    rot = np.array([[0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1], [0, 0, -1, 0]], dtype=float)
    swap = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=float)
    mf = [(0.2 * rot + 0.1 * swap).tolist(), (-0.2 * rot - 0.1 * swap + 0.2 * np.eye(4)).tolist(), zero4, zero4]
    mt = [zero2, zero2, [[0.4, 0.1], [0.0, 0.35]], [[0.4, -0.1], [0.0, 0.45]]]
    mt = [[[float(v) for v in r] for r in m] for m in mt]
    mf = [[[float(v) for v in r] for r in m] for m in mf]
    write(out, "ghilda-split", SOURCES4, [("htdemucs.onnx", None, mt, mf,
                                           {"names": ("mix", "mag", "freq", "time"), "opset": 17})],
          extra={"contract": "split"})

    # monteslu/htdemucs-ft-webgpu: four split specialists with fp16 weights and float32 inputs/outputs,
    # mix + mag -> x [1,4,4,2048,336] + xt [1,4,2,343980]. Specialist g is right only for its own stem.
    graphs = []
    for g, stem in enumerate(SOURCES4):
        a = [0.9] * 4
        a[g] = [0.1, 0.2, 0.3, 0.15][g]
        b = [0.7] * 4
        b[g] = [0.05, 0.1, 0.05, 0.05][g]
        graphs.append((f"htdemucs_ft_{stem}_safe16.onnx", [stem], diag(a, 2), diag(b, 4),
                       {"names": ("mix", "mag", "x", "xt"), "fp16_weights": True, "opset": 17}))
    write(out, "monteslu-ft-fp16", SOURCES4, graphs)

    # StemSplitio/htdemucs-ft-onnx: four full-graph specialists, mix [1,2,343980] -> stems [1,4,2,343980], opset 17.
    # Right stems: fractions 0.1/0.2/0.3/0.4 with cross-channel terms summing to zero, gains summing (weighted) to zero,
    # so the four right stems add up to the mix exactly; every wrong stem is 0.9 of the mix.
    omega = 2 * np.pi * 3 / SEGMENT
    f = [0.1, 0.2, 0.3, 0.4]
    cross = [0.03, 0.08, -0.03, -0.08]  # sum c = 0 and sum c*A = 0
    amps = [0.6, -0.3, 0.2, -0.15]  # sum f*A = 0.06 - 0.06 + 0.06 - 0.06 = 0
    graphs = []
    for g, stem in enumerate(SOURCES4):
        mt = [[[0.9, 0.0], [0.0, 0.9]] for _ in range(4)]
        mt[g] = [[f[g], cross[g]], [-cross[g], f[g]]]
        gains = [0.5] * 4
        gains[g] = amps[g]
        graphs.append((f"htdemucs_ft_{stem}.onnx", [stem], mt, ("full", gains, float(omega)), {}))
    write(out, "stemsplit-ft-full", SOURCES4, graphs, extra={"contract": "full"})

    # StemSplitio/htdemucs-6s-onnx: one full graph with six sources, mix -> stems [1,6,2,343980].
    f6 = [0.1, 0.1, 0.2, 0.2, 0.25, 0.15]
    a6 = [0.5, -0.5, 0.25, -0.25, 0.2, -1.0 / 3.0]  # sum f*A = 0
    mt6 = [[[v, 0.0], [0.0, v]] for v in f6]
    write(out, "stemsplit6-full", SOURCES6, [("htdemucs_6s.onnx", None, mt6, ("full", a6, float(omega)), {})])

    # A full graph whose inputs and outputs are float16 (Traum converts at the boundary).
    f4 = [0.25, 0.25, 0.3, 0.2]
    a4h = [0.4, -0.4, 0.1, -0.15]  # sum f*A = 0.1 - 0.1 + 0.03 - 0.03 = 0
    mt4 = [[[v, 0.0], [0.0, v]] for v in f4]
    write(out, "full-fp16io", SOURCES4, [("model.onnx", None, mt4, ("full", a4h, float(omega)), {"fp16_io": True})])

    # A graph whose stems do not add up to the chunk (they sum to 0.4 of it): `traum models verify` must fail it.
    write(out, "nosum4", SOURCES4, [("model.onnx", None, diag([0.1] * 4, 2), diag([0.0] * 4, 4), {})])

    # An export with another layout: refused, with what it has and what Traum needs.
    d = os.path.join(out, "other-layout")
    os.makedirs(d, exist_ok=True)
    onnx.save(other_layout_graph(), os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "model.json"), "w") as fh:
        json.dump({"name": "other-layout", "sources": SOURCES4, "sampleRate": SR, "segment": SEGMENT,
                   "graphs": [{"file": "model.onnx"}]}, fh, indent=2)


if __name__ == "__main__":
    main()
