"""The scorecard as people read it: HTML and Markdown for the report, a one-page PDF.

Takes a :class:`commsim.scorecard.Scorecard` and writes it out; computes nothing new.
Numbers are rounded to what their interval supports; every effect carries its
certainty word with a symbol (▲ benefit, ▼ harm, = no meaningful change, ? unclear), so
colour is never the only cue.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from commsim.dynamics import TRUST_SD
from commsim.outcomes import outcome as registry
from commsim.scorecard import BENEFITS, HARMS, WORDS, Effect, Scorecard, StrategyCard

__all__ = [
    "LIMITATIONS",
    "effect_text",
    "scorecard_html",
    "scorecard_markdown",
    "scorecard_pdf",
    "usd",
    "word_symbol",
]

MINUS = "\u2212"
BLUE, VERMILLION, GREY = "#0072B2", "#D55E00", "#555555"

#: What the model cannot tell; shown in a box on the report and the PDF.
LIMITATIONS = (
    "It is a model, not a forecast for your area: a synthetic (or imported) city whose "
    "people follow simple rules set from US national rates (NCVS, UCR, BJS). Effects are "
    "what those rules imply.",
    "Programmes are assumed to run as configured: recruitment, attendance and quality of "
    "delivery in a real place may differ.",
    "Crime displaced outside the city, effects after the evaluation window and costs "
    "beyond the listed unit costs are not counted.",
    "Trust dynamics rest on uncertain evidence (how much a bad contact outweighs a good "
    "one, how long experiences last); small trust effects may not survive other "
    "plausible values.",
)


def _window(card: Scorecard) -> str:
    if card.days == 365:
        return "the evaluation window is one year"
    return f"the {card.days:g}-day evaluation window scaled to 365 days"


def usd(value: float) -> str:
    """Dollars for people: $1.2M, $330k, $0."""
    if not np.isfinite(value):
        return "n/a"
    sign = MINUS if value < 0 else ""
    v = abs(value)
    if v >= 1e6:
        return f"{sign}${v / 1e6:.2g}M" if v < 1e7 else f"{sign}${v / 1e6:.0f}M"
    if v >= 1e3:
        return f"{sign}${v / 1e3:.0f}k"
    return f"{sign}${v:.0f}"


def _decimals(low: float, high: float) -> int:
    half = (high - low) / 2
    if not (np.isfinite(half) and half > 0):
        return 0
    return int(min(6, max(0, 1 - math.floor(math.log10(half)))))


def _signed(value: float, decimals: int, sign: bool = True) -> str:
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{decimals}f}"
    return text.replace("-", MINUS)


def _triple(values: tuple[float, float, float], suffix: str = "", most: int = 6) -> tuple[str, str]:
    est, low, high = values
    if not np.isfinite(est):
        return "n/a", ""
    d = min(_decimals(low, high), most)
    if not (np.isfinite(low) and np.isfinite(high)):
        return _signed(est, max(d, 1)) + suffix, ""
    return (
        _signed(est, d) + suffix,
        f"[{_signed(low, d, False)}, {_signed(high, d, False)}]",
    )


def effect_text(effect: Effect) -> tuple[str, str]:
    """An effect as ``(estimate, interval)`` in the unit people read for that outcome.

    Crime and victimisation: percent of the baseline level; rates (reporting,
    clearance): percentage points; trust: standard deviations of trust between
    residents; others: the outcome's own unit.
    """
    key = effect.outcome
    o = registry(key)
    if o.count or o.smallest_share is not None:
        est, low, high = effect.pct
        # A count cannot fall by more than all of it: the interval stops at -100%.
        return _triple((est, max(low, -100.0), high), "%", most=1)
    if o.unit.startswith("share"):
        return _triple(effect.scaled(100.0), " pts", most=1)
    if o.unit == "0-1" and key.startswith("trust_mean"):
        return _triple(effect.scaled(1.0 / TRUST_SD), " SD", most=4)
    return _triple((effect.diff, effect.low, effect.high), f" {o.unit}" if o.unit else "")


def word_symbol(word: str) -> tuple[str, str]:
    """The symbol and colour of a certainty word."""
    if word in BENEFITS:
        return ("▲" if word != "small benefit" else "△"), BLUE
    if word in HARMS:
        return ("▼" if word != "small harm" else "▽"), VERMILLION
    if word == "no meaningful change":
        return "=", GREY
    return "?", GREY


def _value(card: StrategyCard) -> tuple[str, str]:
    if card.value_text:
        return card.value_text, ""
    est, low, high = card.per_1m
    ci = f"[{max(low, 0):,.0f}, {high:,.0f}]" if np.isfinite(low) else ""
    if np.isfinite(low) and low < 0:
        ci = f"[{_signed(low, 0, False)}, {high:,.0f}]"
    return f"{est:,.0f}", ci


def _columns(card: Scorecard) -> list[tuple[str, str]]:
    cols = [
        ("crimes", "True crime"),
        ("reporting_rate", "Reporting to police"),
        ("trust_mean", "Trust in police"),
    ]
    extra = card.rank_by
    if extra not in {"crimes", "value", "cost"} and extra not in {k for k, _ in cols}:
        cols.append((extra, registry(extra).label))
    return cols


def _group_columns(card: Scorecard) -> list[tuple[str, str]]:
    cols = [(f"trust_mean_{g}", f"Trust: {g}") for g in card.groups]
    cols += [(f"victimization_rate_{g}", f"Victimisation: {g}") for g in card.groups]
    present = {k for c in card.cards for k in c.effects}
    return [(k, t) for k, t in cols if k in present]


def _baseline_levels(card: Scorecard) -> dict[str, str]:
    """Baseline's own levels, for the reference row."""
    out = {}
    first = card.cards[0] if card.cards else None
    if first is None:
        return out
    for key, e in first.effects.items():
        o = registry(key)
        b = e.baseline
        if not np.isfinite(b):
            continue
        if key == "crimes":
            out[key] = f"{b * card.per_year:,.0f} a year"
        elif o.count:
            out[key] = f"{b:,.0f} {o.unit}"
        elif o.unit.startswith("share"):
            out[key] = f"{100 * b:.0f}%"
        elif o.unit == "0-1":
            out[key] = f"{b:.2f} (0{MINUS}1)"
        else:
            out[key] = f"{b:.3g} {o.unit}"
    return out


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

CSS = """
.scorecard{margin:1em 0 2em}
.sc{border-collapse:collapse;width:100%;font-size:.92em}
.sc th{background:#1f3b57;color:#fff;text-align:left;padding:.45em .55em;vertical-align:bottom}
.sc td{border-bottom:1px solid #ddd;padding:.45em .55em;vertical-align:top}
.sc tr.base td{background:#f4f4f4;color:#333}
.sc .rank{font-size:1.3em;font-weight:bold;color:#1f3b57;text-align:center}
.sc .name{font-weight:bold}.sc .desc{color:#444;font-size:.9em;max-width:26em}
.sc .est{font-weight:600;white-space:nowrap}.sc .ci{color:#555;font-size:.85em;white-space:nowrap}
.word{display:inline-block;font-size:.82em;font-weight:600;margin-top:.15em;white-space:nowrap}
.warn{border-left:6px solid #D55E00;background:#fff4ec;padding:.6em .9em;margin:.8em 0}
.box{border:2px solid #1f3b57;border-radius:6px;padding:.4em 1em;margin:1.2em 0;background:#f7f9fb}
.box h3{margin:.4em 0;color:#1f3b57}.lede{font-size:1.02em}
.legend td{border:none;padding:.1em .6em .1em 0;font-size:.88em}
"""


def _code(text: str) -> str:
    pieces = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _cell_html(effect: Effect | None) -> str:
    if effect is None:
        return "<td>n/a</td>"
    est, ci = effect_text(effect)
    symbol, color = word_symbol(effect.word)
    extra = ""
    if effect.outcome == "trust_mean":
        d = min(_decimals(effect.low, effect.high), 5)
        extra = f'<div class="ci">{_signed(effect.diff, d)} on the 0{MINUS}1 scale</div>'
    return (
        f'<td><div class="est">{html.escape(est)}</div><div class="ci">{html.escape(ci)}</div>'
        f"{extra}"
        f'<div class="word" style="color:{color}">{symbol} {html.escape(effect.word)}</div></td>'
    )


def _name_html(card: StrategyCard) -> str:
    desc = f'<div class="desc">{html.escape(card.description)}</div>' if card.description else ""
    return (
        f'<td><div class="name">{html.escape(card.title)}</div>{desc}'
        f'<div class="ci"><code>{html.escape(card.strategy)}</code></div></td>'
    )


def scorecard_html(card: Scorecard, facts: Sequence[str], links: dict[str, str]) -> str:
    """The scorecard section of report.html (self-contained HTML, no scripts).

    Args:
        card: The scorecard.
        facts: Sentences about the runs (window, replicates, uncertainty).
        links: ``validation``/``model`` -> relative link to those docs ("" when absent).
    """
    cols = _columns(card)
    parts = ['<section class="scorecard">', "<h2>Scorecard: what each strategy does</h2>"]
    parts.append(
        f'<p class="lede">Ranked by <b>{html.escape(card.criterion)}</b> '
        f"(change with <code>--rank-by</code>). Each effect is the change vs baseline with "
        f"its 95% interval, paired on seeds; costs are per year ({_window(card)}).</p>"
    )
    for w in card.warnings:
        parts.append(f'<div class="warn"><b>Warning:</b> {html.escape(w)}</div>')
    if facts:
        parts.append("<ul>" + "".join(f"<li>{_code(f)}</li>" for f in facts) + "</ul>")
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t in cols)
    parts.append(
        '<table class="sc"><thead><tr><th>Rank</th><th>Strategy</th><th>Cost a year'
        f"<br>(extra vs baseline)</th>{head}<th>Crimes averted per $1M a year</th></tr>"
        "</thead><tbody>"
    )
    levels = _baseline_levels(card)
    base = card.baseline
    parts.append(
        f'<tr class="base"><td class="rank">&ndash;</td>{_name_html(base)}'
        f'<td><div class="est">{usd(base.cost_year)}</div></td>'
        + "".join(
            f'<td><div class="ci">baseline level</div><div class="est">'
            f"{html.escape(levels.get(k, 'n/a'))}</div></td>"
            for k, _ in cols
        )
        + '<td><div class="ci">reference</div></td></tr>'
    )
    for c in card.cards:
        value, ci = _value(c)
        extra = (
            f'<div class="ci">({"+" if c.extra_cost_year >= 0 else ""}'
            f"{usd(c.extra_cost_year)})</div>"
        )
        parts.append(
            f'<tr><td class="rank">{c.rank}</td>{_name_html(c)}'
            f'<td><div class="est">{usd(c.cost_year)}</div>{extra}</td>'
            + "".join(_cell_html(c.effect(k)) for k, _ in cols)
            + f'<td><div class="est">{html.escape(value)}</div>'
            f'<div class="ci">{html.escape(ci)}</div></td></tr>'
        )
    parts.append("</tbody></table>")
    gcols = _group_columns(card)
    if gcols:
        parts.append("<h3>For whom: effects by group</h3>")
        parts.append(
            "<p>Trust in standard deviations of trust between residents (0.2 on the "
            f"0{MINUS}1 scale); victimisation in percent of the group's baseline rate.</p>"
        )
        head = "".join(f"<th>{html.escape(t)}</th>" for _, t in gcols)
        parts.append(f'<table class="sc"><thead><tr><th>Strategy</th>{head}</tr></thead><tbody>')
        for c in card.cards:
            parts.append(
                f'<tr><td><div class="name">{html.escape(c.title)}</div></td>'
                + "".join(_cell_html(c.effect(k)) for k, _ in gcols)
                + "</tr>"
            )
        parts.append("</tbody></table>")
    parts.append('<table class="legend"><tbody>')
    for word, meaning in WORDS.items():
        symbol, color = word_symbol(word)
        parts.append(
            f'<tr><td style="color:{color};font-weight:600;white-space:nowrap">{symbol} '
            f"{html.escape(word)}</td><td>{html.escape(meaning)}</td></tr>"
        )
    parts.append("</tbody></table>")
    parts.append(
        "<p>The smallest meaningful change of each outcome comes from the outcome registry "
        f"(trust: 0.02 on the 0{MINUS}1 scale, 0.1 SD; reporting: 2 percentage points; "
        "crime and victimisation: 5% of the baseline level). Crimes averted per $1M is "
        "shown as <i>unclear</i> when the crime effect's interval includes zero. Intervals "
        f"of counts stop at {MINUS}100%: a count cannot fall below zero.</p>"
    )
    parts.append(_limitations_html(links))
    parts.append("</section>")
    return "\n".join(parts)


def _limitations_html(links: dict[str, str]) -> str:
    def ref(key: str, name: str) -> str:
        target = links.get(key, "")
        label = f"docs/{name}"
        return f'<a href="{html.escape(target)}">{label}</a>' if target else f"<code>{label}</code>"

    items = "".join(f"<li>{html.escape(t)}</li>" for t in LIMITATIONS)
    return (
        '<div class="box"><h3>What this model cannot tell you</h3>'
        f"<ul>{items}</ul><p>How the model compares with published findings: "
        f"{ref('validation', 'validation.md')}; what it includes and every parameter's "
        f"source: {ref('model', 'model.md')}.</p></div>"
    )


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------


def _cell_md(effect: Effect | None) -> str:
    if effect is None:
        return "n/a"
    est, ci = effect_text(effect)
    symbol, _ = word_symbol(effect.word)
    return f"{est} {ci} {symbol} {effect.word}".replace("  ", " ")


def scorecard_markdown(card: Scorecard, facts: Sequence[str], links: dict[str, str]) -> str:
    """The scorecard section of report.md."""
    cols = _columns(card)
    lines = ["## Scorecard: what each strategy does", ""]
    lines.append(
        f"Ranked by **{card.criterion}** (change with `--rank-by`). Each effect is the "
        "change vs baseline with its 95% interval, paired on seeds; costs are per year "
        f"({_window(card)})."
    )
    lines.append("")
    for w in card.warnings:
        lines += [f"> **Warning:** {w}", ""]
    lines += [f"- {f}" for f in facts] + ([""] if facts else [])
    head = ["Rank", "Strategy", "Cost a year (extra)", *[t for _, t in cols], "Averted per $1M"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    levels = _baseline_levels(card)
    lines.append(
        "| – | "
        + " | ".join(
            [
                f"**{card.baseline.title}**: {card.baseline.description}",
                usd(card.baseline.cost_year),
                *[f"level: {levels.get(k, 'n/a')}" for k, _ in cols],
                "reference",
            ]
        )
        + " |"
    )
    for c in card.cards:
        value, ci = _value(c)
        cells = [
            str(c.rank),
            f"**{c.title}**: {c.description}",
            f"{usd(c.cost_year)} ({'+' if c.extra_cost_year >= 0 else ''}{usd(c.extra_cost_year)})",
            *[_cell_md(c.effect(k)) for k, _ in cols],
            f"{value} {ci}".strip(),
        ]
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    lines.append("")
    gcols = _group_columns(card)
    if gcols:
        lines += ["### For whom: effects by group", ""]
        lines.append("| Strategy | " + " | ".join(t for _, t in gcols) + " |")
        lines.append("|" + "---|" * (len(gcols) + 1))
        for c in card.cards:
            lines.append(
                f"| {c.title} | " + " | ".join(_cell_md(c.effect(k)) for k, _ in gcols) + " |"
            )
        lines.append("")
    lines.append("Certainty words: " + "; ".join(f"**{w}**: {m}" for w, m in WORDS.items()) + ".")
    lines.append("")
    lines += ["### What this model cannot tell you", ""]
    lines += [f"- {t}" for t in LIMITATIONS]
    val = links.get("validation") or "docs/validation.md"
    mod = links.get("model") or "docs/model.md"
    lines += ["", f"See [docs/validation.md]({val}) and [docs/model.md]({mod}).", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# One-page PDF
# --------------------------------------------------------------------------------------


def scorecard_pdf(
    card: Scorecard, path: Path, title: str, facts: Sequence[str], dpi: int = 150
) -> Figure:
    """Draw the scorecard on one A4 landscape page and save it (PDF, or PNG by suffix).

    Returns:
        The figure (also saved to ``path``).
    """
    cols = _columns(card)
    fig = Figure(figsize=(11.69, 8.27))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    y = 0.955
    ax.text(0.03, y, title, fontsize=16, fontweight="bold", color="#1f3b57", va="top")
    y -= 0.045
    lede = (
        f"Ranked by {card.criterion}. Change vs baseline with 95% interval (paired on "
        f"seeds); costs per year ({_window(card)})."
    )
    ax.text(0.03, y, lede, fontsize=9, va="top")
    y -= 0.025
    for f in facts:
        for line in textwrap.wrap(f.replace("`", ""), 190):
            ax.text(0.03, y, line, fontsize=7.5, va="top", color="#333333")
            y -= 0.018
    for w in card.warnings:
        for line in textwrap.wrap("Warning: " + w, 170):
            ax.text(0.03, y, line, fontsize=8, va="top", color=VERMILLION, fontweight="bold")
            y -= 0.02
    # Table: x positions of columns.
    heads = ["#", "Strategy", "Cost a year\n(extra)", *[t for _, t in cols], "Averted\nper $1M"]
    widths = [0.03, 0.33, 0.09, *[0.13] * len(cols), 0.1]
    total = sum(widths)
    widths = [w * 0.94 / total for w in widths]
    xs = np.cumsum([0.03, *widths[:-1]])
    y -= 0.01
    ax.add_patch(
        _rect(0.03, y - 0.045, 0.94, 0.045, "#1f3b57"),
    )
    for x, h in zip(xs, heads, strict=True):
        ax.text(x + 0.004, y - 0.006, h, fontsize=8.5, color="white", va="top", fontweight="bold")
    y -= 0.05
    rows = len(card.cards) + 1
    row_h = min(0.062, (y - 0.2) / max(rows, 1))
    levels = _baseline_levels(card)
    base = card.baseline
    ax.add_patch(_rect(0.03, y - row_h, 0.94, row_h, "#f1f1f1"))
    _row_text(ax, xs, y, ["–", base.title, usd(base.cost_year)], base.description, row_h)
    for i, (k, _) in enumerate(cols):
        ax.text(xs[3 + i] + 0.004, y - 0.006, f"level:\n{levels.get(k, 'n/a')}", fontsize=7.5,
                va="top", color="#333333")  # fmt: skip
    y -= row_h
    for c in card.cards:
        value, ci = _value(c)
        extra = f"({'+' if c.extra_cost_year >= 0 else ''}{usd(c.extra_cost_year)})"
        _row_text(ax, xs, y, [str(c.rank), c.title, f"{usd(c.cost_year)}\n{extra}"],
                  c.description, row_h)  # fmt: skip
        for i, (k, _) in enumerate(cols):
            e = c.effect(k)
            if e is None:
                continue
            est, eci = effect_text(e)
            symbol, color = word_symbol(e.word)
            x = xs[3 + i] + 0.004
            ax.text(x, y - 0.006, est, fontsize=8.5, va="top", fontweight="bold")
            ax.text(x, y - 0.021, eci, fontsize=7, va="top", color="#444444")
            ax.text(x, y - 0.034, f"{symbol} {e.word}", fontsize=7.5, va="top", color=color,
                    fontweight="bold")  # fmt: skip
        x = xs[-1] + 0.004
        ax.text(x, y - 0.006, value, fontsize=8.5, va="top", fontweight="bold")
        ax.text(x, y - 0.021, ci, fontsize=7, va="top", color="#444444")
        ax.plot([0.03, 0.97], [y - row_h, y - row_h], color="#cccccc", lw=0.6)
        y -= row_h
    y -= 0.015
    legend = "   ".join(f"{word_symbol(w)[0]} {w}" for w in WORDS)
    ax.text(0.03, y, "Certainty: " + legend, fontsize=7.5, va="top", color="#333333")
    y -= 0.022
    top = y
    ax.text(0.04, y - 0.008, "What this model cannot tell you", fontsize=9, fontweight="bold",
            va="top", color="#1f3b57")  # fmt: skip
    yy = y - 0.03
    for item in LIMITATIONS:
        for j, line in enumerate(textwrap.wrap(item, 185)):
            ax.text(0.045, yy, ("• " if j == 0 else "  ") + line, fontsize=7.3, va="top")
            yy -= 0.016
    ax.text(0.045, yy, "How the model compares with published findings: docs/validation.md; "
            "what it includes: docs/model.md.", fontsize=7.3, va="top")  # fmt: skip
    yy -= 0.025
    ax.add_patch(_rect(0.03, yy, 0.94, top - yy, "#f7f9fb", edge="#1f3b57", z=0))
    path = Path(path)
    metadata = {"CreationDate": None} if path.suffix == ".pdf" else {"Software": None}
    fig.savefig(path, dpi=dpi, facecolor="white", metadata=metadata)
    return fig


def _rect(
    x: float, y: float, w: float, h: float, color: str, edge: str | None = None, z: float = 1
):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=color, edgecolor=edge or "none", lw=1, zorder=z)


def _row_text(ax, xs, y: float, cells: list[str], description: str, row_h: float) -> None:
    ax.text(xs[0] + 0.004, y - 0.006, cells[0], fontsize=12, fontweight="bold", va="top",
            color="#1f3b57")  # fmt: skip
    ax.text(xs[1] + 0.004, y - 0.006, cells[1], fontsize=8.5, fontweight="bold", va="top")
    lines = textwrap.wrap(description, 68)
    room = max(1, int((row_h - 0.02) / 0.0135))
    if len(lines) > room:
        lines = [
            *lines[: room - 1],
            textwrap.shorten(" ".join(lines[room - 1 :]), 66, placeholder=" …"),
        ]
    ax.text(xs[1] + 0.004, y - 0.021, "\n".join(lines), fontsize=6.8, va="top", color="#444444",
            linespacing=1.1)  # fmt: skip
    ax.text(xs[2] + 0.004, y - 0.006, cells[2], fontsize=8, va="top")
