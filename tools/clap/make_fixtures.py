#!/usr/bin/python3
"""Writes the CLAP fixture model folder used by Traum's tests (tests/fixtures/clap/).

The graphs have exactly the interfaces of Xenova/larger_clap_music_and_speech but tiny, closed-form
bodies, so a test can recompute their outputs independently:

  audio_model.onnx  input_features float32 [B, 1, 1001, 64] -> audio_embeds float32 [B, 512]
      audio_embeds[b, j] = bias[j] + sum_i mean_t(input_features[b, 0, t, i]) * W[i, j]
      W[i, j] = 0.1 * sin(0.37 * (i + 1) + 0.11 * (j + 1)),  bias[j] = 0.5 * cos(0.05 * j)
  text_model.onnx   input_ids int64 [B, S] -> text_embeds float32 [B, 512], last_hidden_state float32 [B, S, 768]
      last_hidden_state[b, s, j] = sin(ids[b, s] * U[j] + (s + 1) * V[j])
      U[j] = 0.01 * (1 + j % 17) + 0.001 * j,  V[j] = 0.3 + 0.01 * (j % 13)
      text_embeds[b, j] = mean_s last_hidden_state[b, s, j]   (j < 512)

It also writes a small byte-level BPE vocabulary (the 4 RoBERTa specials, the 256 byte symbols, a few
merges, <mask>), preprocessor_config.json with the real checkpoint's values, and config.json.

Run with Debian's interpreter (python3-onnx, python3-numpy):  /usr/bin/python3 tools/clap/make_fixtures.py [OUT]
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "clap")
OPSET = 13
HIDDEN = 768
DIM = 512


def save(model, path):
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def audio_model():
    i = np.arange(64, dtype=np.float64)[:, None]
    j = np.arange(DIM, dtype=np.float64)[None, :]
    w = (0.1 * np.sin(0.37 * (i + 1) + 0.11 * (j + 1))).astype(np.float32)
    b = (0.5 * np.cos(0.05 * np.arange(DIM, dtype=np.float64))).astype(np.float32)
    nodes = [
        helper.make_node("ReduceMean", ["input_features"], ["means"], axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["means", "W"], ["proj"]),
        helper.make_node("Add", ["proj", "bias"], ["audio_embeds"]),
    ]
    graph = helper.make_graph(
        nodes, "clap_audio_fixture",
        [helper.make_tensor_value_info("input_features", TensorProto.FLOAT, ["batch_size", 1, 1001, 64])],
        [helper.make_tensor_value_info("audio_embeds", TensorProto.FLOAT, ["batch_size", DIM])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "bias")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="traum-fixtures")


def text_model():
    j = np.arange(HIDDEN, dtype=np.float64)
    u = (0.01 * (1 + j % 17) + 0.001 * j).astype(np.float32)
    v = (0.3 + 0.01 * (j % 13)).astype(np.float32)
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["ids_f", "axis2"], ["ids3"]),
        helper.make_node("Mul", ["ids_f", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "one"], ["ones"]),
        helper.make_node("CumSum", ["ones", "axis1"], ["pos"]),
        helper.make_node("Unsqueeze", ["pos", "axis2"], ["pos3"]),
        helper.make_node("Mul", ["ids3", "U"], ["a"]),
        helper.make_node("Mul", ["pos3", "V"], ["c"]),
        helper.make_node("Add", ["a", "c"], ["arg"]),
        helper.make_node("Sin", ["arg"], ["last_hidden_state"]),
        helper.make_node("ReduceMean", ["last_hidden_state"], ["pooled"], axes=[1], keepdims=0),
        helper.make_node("Slice", ["pooled", "start", "end", "axis1"], ["text_embeds"]),
    ]
    inits = [
        numpy_helper.from_array(u, "U"),
        numpy_helper.from_array(v, "V"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "axis1_scalar"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "start"),
        numpy_helper.from_array(np.array([DIM], dtype=np.int64), "end"),
    ]
    # CumSum wants a scalar axis.
    nodes[4] = helper.make_node("CumSum", ["ones", "axis1_scalar"], ["pos"])
    graph = helper.make_graph(
        nodes, "clap_text_fixture",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch_size", DIM]),
         helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", HIDDEN])],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="traum-fixtures")


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


# A few merges so that common words become multi-byte tokens (ranks in this order).
MERGES = [
    ("Ġ", "w"), ("o", "r"), ("l", "l"), ("H", "e"), ("h", "e"), ("Ġw", "or"), ("Ġwor", "l"), ("Ġworl", "d"),
    ("He", "ll"), ("Hell", "o"), ("he", "ll"), ("hell", "o"), ("Ġ", "H"), ("ĠH", "e"), ("ĠHe", "ll"), ("ĠHell", "o"),
    ("Ġ", "Ġ"), ("ĠĠ", "ĠĠ"), ("Ġ", "d"), ("r", "u"), ("m", "s"), ("Ġd", "ru"), ("Ġdru", "ms"),
    ("Ã", "©"), ("c", "a"), ("f", "Ã©"), ("ca", "fÃ©"), ("Ġ", "ca"), ("Ġca", "fÃ©"), ("Ġ", "l"), ("Ġl", "o"),
    ("o", "p"), ("Ġlo", "op"),
]


def tokenizer_files(out):
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    b2u = bytes_to_unicode()
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    for a, b in MERGES:
        assert a in vocab and b in vocab, f"merge {a} {b} uses a token that is not in the vocabulary yet"
        tok = a + b
        if tok not in vocab:
            vocab[tok] = len(vocab)
    vocab["<mask>"] = len(vocab)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in MERGES:
            f.write(f"{a} {b}\n")
    tokenizer = {
        "version": "1.0",
        "note": "Traum test fixture; Traum reads vocab.json and merges.txt.",
        "model": {"type": "BPE", "vocab": vocab, "merges": [f"{a} {b}" for a, b in MERGES]},
    }
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False)


def configs(out):
    pre = {
        "chunk_length_s": 10,
        "feature_extractor_type": "ClapFeatureExtractor",
        "feature_size": 64,
        "fft_window_size": 1024,
        "frequency_max": 14000,
        "frequency_min": 50,
        "hop_length": 480,
        "max_length_s": 10,
        "n_fft": 1024,
        "nb_frequency_bins": 513,
        "nb_max_frames": 1000,
        "nb_max_samples": 480000,
        "padding": "repeatpad",
        "padding_side": "right",
        "padding_value": 0.0,
        "processor_class": "ClapProcessor",
        "return_attention_mask": False,
        "sampling_rate": 48000,
        "top_db": None,
        "truncation": "rand_trunc",
    }
    with open(os.path.join(out, "preprocessor_config.json"), "w", encoding="utf-8") as f:
        json.dump(pre, f, indent=2)
    config = {"_name_or_path": "traum/clap-fixture", "model_type": "clap", "projection_dim": DIM,
              "note": "Traum test fixture with the interfaces of Xenova/larger_clap_music_and_speech."}
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)


def main():
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    save(audio_model(), os.path.join(OUT, "onnx", "audio_model.onnx"))
    save(text_model(), os.path.join(OUT, "onnx", "text_model.onnx"))
    tokenizer_files(OUT)
    configs(OUT)
    print(f"wrote CLAP fixtures to {os.path.abspath(OUT)}")


if __name__ == "__main__":
    main()
