"""``python -m bench.vision``: accuracy, Serve throughput vs a naive baseline, and matching latency.

Builds a synthetic event from labelled portraits (``--faces``, any folder with labels.csv), puts
it into a real S3 server (moto), analyses it through the real Ray Serve app on local Ray and with
a naive one-image-at-a-time baseline, scores "photos of me" against the ground truth, and times
selfie matching with pgvector HNSW against brute-force NumPy. Prints tables, then one line per
headline figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from api.processing import face_indexes, matching
from api.settings import get_settings
from bench.vision.accuracy import Placed, Score, bucket_lines, choose_threshold, detection_by_bucket, evaluate
from bench.vision.match_bench import CHOSEN, run_match_bench
from bench.vision.simulator import HARD, Box, SimConfig, build_event, load_rgb
from bench.vision.throughput import moto_s3, run_baseline, run_serve, upload
from vision.config import VisionSettings
from vision.models import create_analyzer
from vision.models.dlib_backend import DlibFaceAnalyzer
from wairo_contracts.faces import face_model

DEFAULT_FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces"
MODEL = "dlib-resnet-128"
SWEEP = [round(x, 3) for x in np.arange(0.04, 0.121, 0.005)]


def log(msg: str) -> None:
    print(msg, flush=True)


def run_matching(args: argparse.Namespace) -> float:
    """The matching figures (bench/vision/match_bench.py); returns the big project's p95 (ms)."""
    log(f"# matching: selfie -> matches among {args.match_faces} faces ({args.match_dim}-d), skewed projects")
    m = run_match_bench(
        faces=args.match_faces,
        dim=args.match_dim,
        queries=args.match_queries,
        rematch_faces=args.rematch_faces,
        rematch_members=args.rematch_members,
        rematch_chunk=get_settings().rematch_chunk_faces,
        log=log,
    )
    log(
        f"  {m.faces} faces in {m.projects} projects: COPY {m.load_s:.1f}s, HNSW build {m.index_s:.1f}s, "
        f"VACUUM ANALYZE {m.vacuum_s:.1f}s; EXACT_SEARCH_MAX_FACES {matching.EXACT_SEARCH_MAX_FACES}; "
        f"per-project indexes (at {face_indexes.PROJECT_INDEX_MIN_FACES} faces) {m.own_index_s:.1f}s"
    )
    log(f"  {'method':<26} {'project':<14} {'p50 ms':>8} {'p95 ms':>8} {'recall':>7} {'gave up':>7}")
    for (method, group), t in m.timings.items():
        log(f"  {method:<26} {group:<14} {t.p50_ms:8.2f} {t.p95_ms:8.2f} {t.recall:7.4f} {t.gave_up:7d}")
    log(f"  NumPy brute force over the big project's faces: p95 {m.np_p95_ms:.2f} ms")
    for key, value in m.rematch.items():
        log(f"  re-match of {args.rematch_faces} faces, {args.rematch_members} members, {key}: {value:.2f}")
    chosen = m.timings[(CHOSEN, "big")]
    log(f"match recall: {min(t.recall for (method, _), t in m.timings.items() if method == CHOSEN):.4f}")
    return chosen.p95_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.vision", description=__doc__)
    parser.add_argument("--faces", type=Path, default=Path(os.environ.get("FACES", DEFAULT_FACES)))
    parser.add_argument("--photos", type=int, default=300, help="event photos (default 300)")
    parser.add_argument("--baseline-photos", type=int, default=60, help="photos the naive baseline analyses")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--hard",
        action="store_true",
        help="crowds, faces from 30 px, motion blur, turned heads (simulator HARD)",
    )
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2, help="CPUs for Ray")
    parser.add_argument("--replicas", type=int, default=0, help="model replicas (default: one per CPU)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--request-size", type=int, default=4, help="photos per HTTP request")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP requests")
    parser.add_argument("--min-precision", type=float, default=0.97)
    parser.add_argument(
        "--match-faces",
        type=int,
        default=int(os.environ.get("MATCH_FACES", 120_000)),
        help="faces over all projects (env MATCH_FACES; default 120 000: a project of 100 000 and "
        "small ones; 1000000: one of 200 000 and ~120 of 1 000-20 000)",
    )
    parser.add_argument(
        "--match-dim", type=int, choices=[128, 512], default=int(os.environ.get("MATCH_DIM", 128))
    )
    parser.add_argument("--match-queries", type=int, default=200, help="selfies per project group")
    parser.add_argument(
        "--rematch-faces", type=int, default=50_000, help="faces of the re-matched project (0: none)"
    )
    parser.add_argument("--rematch-members", type=int, default=200)
    parser.add_argument("--skip-match", action="store_true")
    parser.add_argument(
        "--only-match", action="store_true", help="the matching figures only (no Ray, no images)"
    )
    args = parser.parse_args(argv)
    if args.only_match:
        log(f"match p95 ms: {run_matching(args):.1f}")
        return 0
    started = time.perf_counter()

    vision_settings = VisionSettings(
        backend="dlib",
        num_replicas=args.replicas or args.cpus,
        num_cpus=1,
        max_batch_size=args.batch_size,
        batch_wait_timeout_s=0.02,
        io_threads=4,
    )
    analyzer = create_analyzer(vision_settings)
    analyzer.load()

    detector = create_analyzer(VisionSettings(min_face_px=100, max_side_px=1024))
    assert isinstance(detector, DlibFaceAnalyzer)

    def locate(img: np.ndarray) -> Box | None:
        """The portrait's largest face (detection only, portraits scanned at <= 1024 px)."""
        dets = detector.detector.predict(img)
        return max(dets, key=lambda d: d.box[2] - d.box[0]).box if dets else None

    log(f"# event: {args.photos} photos from {args.faces}")
    t = time.perf_counter()
    base = HARD if args.hard else SimConfig()
    event = build_event(args.faces, locate, replace(base, photos=args.photos, seed=args.seed))
    n_faces = sum(len(p.faces) for p in event.photos)
    log(
        f"  {n_faces} faces placed ({n_faces / len(event.photos):.1f}/photo), enrolled {event.enrolled}, "
        f"distractors {event.distractors}, built in {time.perf_counter() - t:.1f}s"
    )
    selfies: dict[str, np.ndarray] = {}  # person -> one row per selfie
    for person, paths in event.selfies.items():
        rows = [analyzer.embed_one(np.asarray(load_rgb(path))) for path in paths]
        if any(emb is None for emb in rows):
            raise SystemExit(f"no face in a selfie of {person}: {paths}")
        selfies[person] = np.stack([emb for emb in rows if emb is not None])
    first_selfies = {person: rows[:1] for person, rows in selfies.items()}
    truth = event.truth()
    keys = [p.key for p in event.photos]
    placed = {p.key: [Placed(f.size_px, f.box, f.conditions) for f in p.faces] for p in event.photos}

    log("# throughput")
    with moto_s3("wairo-bench") as s3:
        upload(s3, [(p.key, p.jpeg) for p in event.photos])
        serve_run = run_serve(
            s3, keys, vision_settings, args.cpus, args.request_size, args.concurrency, log=log
        )
        base_keys = keys[: args.baseline_photos]
        base_run = run_baseline(s3, base_keys)
    if serve_run.errors:
        log(f"  WARNING: {serve_run.errors} items failed in the Serve path")

    log("# accuracy (photos of me, micro-averaged over enrolled persons)")
    margin = face_model(MODEL).margin
    sweep = [evaluate(serve_run.analysed, selfies, truth, thr, margin) for thr in SWEEP]
    log(f"  {'threshold':>9} {'precision':>9} {'recall':>7} {'f1':>6} {'tp':>5} {'fp':>4} {'fn':>4}")
    for s in sweep:
        log(
            f"  {s.threshold:9.3f} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} "
            f"{s.true_pos:5d} {s.false_pos:4d} {s.false_neg:4d}"
        )
    best = choose_threshold(sweep, args.min_precision)
    configured = face_model(MODEL).threshold
    chosen: Score = evaluate(serve_run.analysed, selfies, truth, configured, margin)
    log(
        f"  best by sweep: {best.threshold:.3f}; "
        f"configured (wairo_contracts.faces): {configured:.3f}, margin {margin}"
    )
    one = evaluate(serve_run.analysed, first_selfies, truth, configured, margin)
    several = sum(len(rows) > 1 for rows in selfies.values())
    log(
        f"  one selfie each: recall {one.recall:.3f}, precision {one.precision:.3f}; a second selfie for "
        f"{several} of {len(selfies)} persons: recall {chosen.recall:.3f}, precision {chosen.precision:.3f}"
    )
    log("  faces detected, by size and condition:")
    for line in bucket_lines(detection_by_bucket(serve_run.analysed, placed)):
        log(line)

    base_set = set(base_keys)
    serve_sub = evaluate(serve_run.analysed, selfies, truth, configured, margin, keys=base_set)
    base_sub = evaluate(base_run.analysed, selfies, truth, configured, margin, keys=base_set)
    speedup = serve_run.photos_per_s / base_run.photos_per_s
    log(f"  {'path':<34} {'photos/s':>9} {'faces/s':>8} {'recall*':>8} {'precision*':>10}")
    log(
        f"  {'naive (1 process, upsample=1)':<34} {base_run.photos_per_s:9.2f} {base_run.faces_per_s:8.2f} "
        f"{base_sub.recall:8.3f} {base_sub.precision:10.3f}"
    )
    log(
        f"  {'Ray Serve (batched, S3 in replica)':<34} {serve_run.photos_per_s:9.2f} "
        f"{serve_run.faces_per_s:8.2f} {serve_sub.recall:8.3f} {serve_sub.precision:10.3f}"
    )
    log(f"  * on the {len(base_keys)} photos both paths analysed; speed-up {speedup:.2f}x")

    match_p95 = float("nan") if args.skip_match else run_matching(args)
    log(f"# total {time.perf_counter() - started:.0f}s")
    log(f"threshold: {configured:.3f}")
    log(f"precision: {chosen.precision:.3f}")
    log(f"recall: {chosen.recall:.3f}")
    log(f"recall with one selfie: {one.recall:.3f}")
    log(f"photos/s: {serve_run.photos_per_s:.2f}")
    log(f"faces/s: {serve_run.faces_per_s:.2f}")
    log(f"speed-up: {speedup:.1f}x")
    log(f"match p95 ms: {match_p95:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
