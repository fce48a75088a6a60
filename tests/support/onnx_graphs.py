"""Small ONNX stand-ins for the insightface models (same input/output signatures as buffalo_l's
det_10g / w600k_r50), built on the fly by the vision tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

STRIDES = (8, 16, 32)
# Keypoint offsets (in stride units) of the stand-in SCRFD: eyes, nose, mouth corners.
KPS_OFFSETS = [-0.4, -0.3, 0.4, -0.3, 0.0, 0.05, -0.3, 0.4, 0.3, 0.4]


def make_scrfd(path: Path, batched: bool = True) -> Path:
    """A SCRFD-shaped graph: score = sigmoid(10 * mean brightness) pooled per stride cell (two
    anchors), boxes one stride around each anchor, fixed keypoint offsets."""
    import onnx
    from onnx import TensorProto, helper

    nodes = [helper.make_node("ReduceMean", ["input.1"], ["mean"], axes=[1], keepdims=1)]
    inits = [
        helper.make_tensor("ten", TensorProto.FLOAT, [], [10.0]),
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
        helper.make_tensor("kps", TensorProto.FLOAT, [1, 20, 1, 1], KPS_OFFSETS * 2),
        helper.make_tensor("shape_s", TensorProto.INT64, [3], [0, -1, 1]),
        helper.make_tensor("shape_b", TensorProto.INT64, [3], [0, -1, 4]),
        helper.make_tensor("shape_k", TensorProto.INT64, [3], [0, -1, 10]),
    ]
    outs: dict[str, list[str]] = {"score": [], "bbox": [], "kps": []}
    for s in STRIDES:
        p, z = f"pool{s}", f"zero{s}"
        nodes += [
            helper.make_node("AveragePool", ["mean"], [p], kernel_shape=[s, s], strides=[s, s]),
            helper.make_node("Mul", [p, "ten"], [f"m{s}"]),
            helper.make_node("Sigmoid", [f"m{s}"], [f"sig{s}"]),
            helper.make_node("Concat", [f"sig{s}", f"sig{s}"], [f"sc{s}"], axis=1),
            helper.make_node("Mul", [p, "zero"], [z]),
            helper.make_node("Add", [z, "one"], [f"ones{s}"]),
            helper.make_node("Concat", [f"ones{s}"] * 8, [f"bb{s}"], axis=1),
            helper.make_node("Add", [z, "kps"], [f"kp{s}"]),
        ]
        for kind, src, shape in (
            ("score", f"sc{s}", "shape_s"),
            ("bbox", f"bb{s}", "shape_b"),
            ("kps", f"kp{s}", "shape_k"),
        ):
            name = f"{kind}_{s}"
            nodes.append(helper.make_node("Transpose", [src], [f"t_{name}"], perm=[0, 2, 3, 1]))
            if batched:
                nodes.append(helper.make_node("Reshape", [f"t_{name}", shape], [name]))
            else:  # the stock det_10g layout: (N, C) for a single image
                nodes.append(helper.make_node("Reshape", [f"t_{name}", shape], [f"r_{name}"]))
                nodes.append(helper.make_node("Squeeze", [f"r_{name}", "axis0"], [name]))
            outs[kind].append(name)
    if not batched:
        inits.append(helper.make_tensor("axis0", TensorProto.INT64, [1], [0]))
    width = {"score": 1, "bbox": 4, "kps": 10}
    rank = 3 if batched else 2
    outputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, ([None] * (rank - 1)) + [width[kind]])
        for kind in ("score", "bbox", "kps")
        for name in outs[kind]
    ]
    graph = helper.make_graph(
        nodes,
        "scrfd_standin",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [None, 3, None, None])],
        outputs,
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def make_arcface(path: Path, batch: int | None = None, dim: int = 512) -> Path:
    """An ArcFace-shaped graph: (B, 3, 112, 112) -> 16x16 average pool -> fixed projection -> (B, dim)."""
    import onnx
    from onnx import TensorProto, helper

    weights = np.random.default_rng(0).normal(size=(147, dim)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("AveragePool", ["input.1"], ["pool"], kernel_shape=[16, 16], strides=[16, 16]),
            helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w"], ["683"]),
        ],
        "arcface_standin",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [batch, 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, [batch, dim])],
        [helper.make_tensor("w", TensorProto.FLOAT, list(weights.shape), weights.reshape(-1).tolist())],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


class OnnxGraphs:
    """The graph builders, handed to the tests as the `graphs` fixture."""

    kps_offsets = KPS_OFFSETS
    make_scrfd = staticmethod(make_scrfd)
    make_arcface = staticmethod(make_arcface)
