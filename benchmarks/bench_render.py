"""How long drawing the tree takes, step by step, against baselines measured in the same run.

For the model given (default: the checkout's ``models/``), full tree and ``--depth 4``:

* **scene**: the words, colours and path (pure Python);
* **layout**: text measuring and placement;
* **svg** / **png** / **dot**: each writer;
* baselines: **naive svg**, the same node and branch strings drawn as one matplotlib ``Text``
  (with a box) each, saved as SVG, which is how the renderer first drew them; and **blank png**,
  a figure of the same pixel size with nothing on it (the floor: PNG encoding alone).

Ratios printed: svg / naive svg (lower is better) and png / blank png.
The machine is shared and noisy: each timing keeps the best of ``--repeat`` runs.

Run: ``python benchmarks/bench_render.py [--model models] [--repeat 2] [--quick]``
(``--quick`` skips the naive baseline, which takes tens of seconds on a 2000-leaf tree).
"""

from __future__ import annotations

import argparse
import io
import time


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_svg(scene, layout) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(layout.width, layout.height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    for n in scene.nodes:
        ax.text(layout.x[n.id], layout.y[n.id], n.text, fontsize=7, va="center", gid=f"node-{n.id}",
                bbox=dict(boxstyle="round,pad=0.3", facecolor="white"))
    for e in scene.edges:
        ax.text(layout.label_x[1], layout.y[e.child], e.text, fontsize=7, va="bottom")
    fig.savefig(io.BytesIO(), format="svg")


def blank_png(layout, dpi: float) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(layout.width, layout.height))
    FigureCanvasAgg(fig)
    fig.savefig(io.BytesIO(), format="png", dpi=dpi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder (default: the default model)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    from bicep_twitch.draw.dot import scene_to_dot
    from bicep_twitch.draw.figure import draw_scene, svg_bytes
    from bicep_twitch.draw.layout import Measure, lay_out, png_dpi
    from bicep_twitch.draw.scene import build_scene
    from bicep_twitch.predict.predictor import Predictor

    predictor = Predictor.load(args.model)
    tree = predictor.tree
    print(f"model {predictor.model_dir}: {len(tree.leaves())} leaves, depth {tree.depth()}")
    case = {"movement": "spasm", "recent_arm_workout": True, "hours_after_workout": 1, "stress_level": 3}
    for depth in (None, 4):
        label = "full tree" if depth is None else f"--depth {depth} with a case"
        scene = build_scene(tree, predictor.kb, depth=depth, case=None if depth is None else case)
        t = {"scene": best(lambda: build_scene(tree, predictor.kb, depth=depth), args.repeat)}
        t["layout"] = best(lambda: lay_out(scene, Measure()), args.repeat)
        layout = lay_out(scene, Measure())
        fig = draw_scene(scene, layout)
        t["svg"] = best(lambda: svg_bytes(fig, scene), args.repeat)
        dpi = png_dpi(layout.width, layout.height)
        if not layout.legible:
            for artist in fig.axes[0].artists:
                artist.words = False
        t["png"] = best(lambda: fig.savefig(io.BytesIO(), format="png", dpi=dpi), args.repeat)
        t["dot"] = best(lambda: scene_to_dot(scene), args.repeat)
        t["blank png"] = best(lambda: blank_png(layout, dpi), args.repeat)
        if not args.quick:
            t["naive svg"] = best(lambda: naive_svg(scene, layout), 1)
        pixels = (round(layout.width * dpi), round(layout.height * dpi))
        print(f"\n{label}: {len(scene.nodes)} boxes, canvas {layout.width:.1f} x {layout.height:.1f} in, "
              f"PNG {pixels[0]} x {pixels[1]} px at {dpi:.0f} dpi, words in PNG: {layout.legible}")
        for name, seconds in t.items():
            print(f"  {name:<10} {seconds:8.3f} s")
        total = sum(t[k] for k in ("scene", "layout", "svg", "png", "dot"))
        print(f"  {'total':<10} {total:8.3f} s (all three files)")
        print(f"  png / blank png = {t['png'] / t['blank png']:.2f}")
        if "naive svg" in t:
            print(f"  svg / naive svg = {t['svg'] / t['naive svg']:.3f}")


if __name__ == "__main__":
    main()
