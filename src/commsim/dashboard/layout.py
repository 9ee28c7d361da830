"""Where things go on the screen: the panel sizes and the page's style sheet.

The page is one screen high and never scrolls sideways: a column of controls
on the left (it scrolls on its own when the screen is short), and on the right
the clock and the strategy, then the map (with the caption under it) beside
the charts. The browser reports the size of the map-and-charts box;
:func:`split_box` divides it, and the images are drawn at exactly that size so
their text is as large as asked.

Examples:
    >>> split_box(1200, 800, font_px=18)
    PanelSizes(map_width=592, map_height=658, caption_height=142, charts_width=592, ...)
"""

from __future__ import annotations

from dataclasses import dataclass

GAP_PX = 16  # between map and charts
MIN_CHART_WIDTH_EM = 17  # narrower charts cannot hold a tick label, a title and a legend row
CAPTION_CHARS = 250  # the longest caption (see WorkshopRun.caption)
LINE_HEIGHT = 1.3  # of the page's text, in em
CHAR_EM = 0.5  # average width of a character of the page's font, in em


@dataclass(frozen=True)
class PanelSizes:
    """Pixel sizes of the map (its most height), the caption under it, and the charts."""

    map_width: int
    map_height: int
    caption_height: int
    charts_width: int
    charts_height: int


def caption_height(width: int, font_px: float) -> int:
    """Height of a caption box ``width`` pixels wide that holds the longest caption."""
    per_line = max(int((width - 16) / (CHAR_EM * font_px)), 10)
    lines = -(-CAPTION_CHARS // per_line)  # ceiling
    return int(lines * LINE_HEIGHT * font_px + 12)


def split_box(width: int, height: int, font_px: float) -> PanelSizes:
    """Share a box of ``width`` x ``height`` pixels between the map and the charts.

    The map column takes half the width, or less if the charts would be narrower
    than about 17 em; the caption sits under the map, and the charts take the rest.
    """
    width, height = max(int(width), 200), max(int(height), 200)
    room = width - GAP_PX
    charts_w = max(room // 2, int(MIN_CHART_WIDTH_EM * font_px))
    charts_w = min(charts_w, room - 120)
    map_w = room - charts_w
    caption_h = caption_height(map_w, font_px)
    return PanelSizes(map_w, max(height - caption_h - 6, 100), caption_h, charts_w, height)


def page_css(font_px: float) -> str:
    """The page's style sheet for a smallest text size of ``font_px`` pixels."""
    f = float(font_px)
    return f"""
html, body {{ overflow: hidden; }}
.v-application--wrap {{ min-height: 0 !important; }}
.solara-content-main, .v-main__wrap > .container, .v-main__wrap {{
    padding: 0 !important; max-width: none !important;
}}
.commsim-app {{
    display: flex; flex-direction: row; height: 100vh; width: 100vw; overflow: hidden;
    font-size: {f}px; line-height: 1.3; box-sizing: border-box;
}}
.commsim-controls {{
    flex: 0 0 clamp(240px, 21vw, {round(16 * f)}px); height: 100vh;
    overflow-y: auto; overflow-x: hidden;
    padding: 8px 12px; box-sizing: border-box; border-right: 1px solid #ddd; background: #fafafa;
}}
.commsim-main {{
    flex: 1 1 auto; min-width: 0; height: 100vh; display: flex; flex-direction: column;
    padding: 6px 12px 8px 12px; box-sizing: border-box; overflow: hidden;
}}
.commsim-panels {{
    flex: 1 1 auto; min-height: 0; width: 100%; overflow: hidden;
    display: flex; flex-direction: row; gap: {GAP_PX}px; align-items: flex-start;
}}
.commsim-topline {{
    display: flex; flex-wrap: nowrap; align-items: baseline; gap: {f}px; white-space: nowrap;
    overflow: hidden;
}}
.commsim-clock {{ font-size: {round(1.6 * f)}px; font-weight: 700; }}
.commsim-strategy {{
    white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: #444;
}}
.commsim-mapcol {{ display: flex; flex-direction: column; gap: 6px; flex: 0 0 auto; }}
.commsim-caption {{
    overflow: hidden; padding: 4px 8px; border-left: 5px solid #D55E00; background: #fff4ec;
    box-sizing: border-box;
}}
.commsim-header {{ margin-bottom: 6px; }}
.commsim-section {{ font-weight: 700; margin: 10px 0 2px 0; color: #333; }}
.commsim-row {{ display: flex; align-items: baseline; justify-content: space-between; gap: 6px; }}
.commsim-value {{ font-weight: 700; white-space: nowrap; }}
.commsim-buttons {{ display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0; }}
.commsim-app .v-btn {{ text-transform: none; letter-spacing: normal; }}
.commsim-app .v-btn, .commsim-app .v-btn__content, .commsim-app .v-label,
.commsim-app .v-select__selection, .commsim-app .v-input, .commsim-app input,
.commsim-app .v-alert, .commsim-app .v-alert__content,
.v-menu__content .v-list-item__title, .v-menu__content .v-list-item {{
    font-size: {f}px !important;
}}
.commsim-app .v-input--selection-controls {{ margin-top: 0; }}
.commsim-app .v-select__selection, .commsim-app .v-select__selections {{
    line-height: {LINE_HEIGHT} !important; max-height: none !important;
    min-height: 0 !important; padding: 2px 0 !important; margin: 0 !important;
}}
.commsim-app .v-select input {{ max-height: none; padding: 0 !important; }}
.commsim-app .v-select {{ margin: 2px 0 6px 0 !important; }}
.commsim-app .v-slider {{ margin: 0 4px; }}
.commsim-app .v-input__slot {{ margin-bottom: 0 !important; }}
.commsim-app .v-text-field {{ padding-top: 0; margin-top: 0; }}
.commsim-app .v-btn-toggle {{ flex-wrap: wrap; }}
.commsim-image img, .commsim-image .widget-image {{ display: block; max-width: none; }}
"""
