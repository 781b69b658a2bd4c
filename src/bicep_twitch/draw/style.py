"""Colours of the drawing, shared by the matplotlib figure and the Graphviz DOT file."""

from __future__ import annotations

import hashlib

# One colour per cause, fixed by cause id so every render of every tree agrees. Light enough
# for black text; the four causes that send people to a doctor get the strong warm colours.
CAUSE_COLOURS = {
    "exercise_overuse": "#80b1d3",
    "dehydration_heat": "#8dd3c7",
    "magnesium_deficiency": "#b3de69",
    "caffeine": "#c7a17a",
    "alcohol": "#ffed6f",
    "stress_anxiety": "#fccde5",
    "sleep_deprivation": "#bebada",
    "medication": "#fdb462",
    "nerve_damage": "#fb8072",
    "neuromuscular_disease": "#bc80bd",
    "autoimmune": "#e7298a",
    "benign_fasciculation": "#ccebc5",
}
SPLIT_FILL = "#ffffff"
# A case's own questions: answered ones stand out, unanswered ones stay grey (and dashed).
ANSWERED_FILL, UNANSWERED_FILL = "#fff2b3", "#eeeeee"
INK, FADED_INK = "#1a1a1a", "#a0a0a0"
EDGE, FADED_EDGE, PATH_EDGE = "#8a8a8a", "#dadada", "#111111"



def cause_colour(cause: str) -> str:
    """The fill colour of ``cause``: fixed per cause id, so renders agree.

    A cause outside the table (a future knowledge base) gets a colour derived from its id,
    still the same in every render.

    Examples
    --------
    >>> cause_colour("caffeine")
    '#c7a17a'
    >>> cause_colour("something_new") == cause_colour("something_new")
    True
    """
    known = CAUSE_COLOURS.get(cause)
    if known is not None:
        return known
    import colorsys

    hue = int(hashlib.sha256(cause.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    r, g, b = colorsys.hls_to_rgb(hue, 0.75, 0.6)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def mix(colour: str, toward: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0 to 1) of the way toward ``toward`` (both ``#rrggbb``)."""
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(toward[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * amount):02x}" for p, q in zip(a, b))


__all__ = ["CAUSE_COLOURS", "cause_colour", "mix"]
