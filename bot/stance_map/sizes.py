"""The stance map's sizes, in pixels: the canvas, its boxes and gaps, and every text size.

Shared by the layout (``bot.stance_map.layout``), which places everything with them, and the
drawing (``bot.stance_map.png``), which paints text and lines at the same sizes.
"""

from __future__ import annotations

#: The canvas is this wide; its height follows from the content. Text sizes are set for a
#: phone's full-screen image view (about 780 pt across in landscape): the smallest text, 17 px,
#: shows at about 9.5 pt there, names at 15–19 pt.
WIDTH = 1400
MARGIN = 36
#: At most this many columns of boxes side by side (sub-columns of the three stance bands).
MAX_COLUMNS = 4
MAX_BOX_WIDTH = 320
BOX_PAD = 14
BOX_GAP_Y = 72  # between boxes of a stance column: room for an edge and its label
ROW_GAP_Y = 60  # between rows of the unclear band
BAND_PAD = 14
BAND_HEADER = 48
BAND_GAP = 18
UNCLEAR_GAP = 64  # between the stance bands and the unclear band
LINE = 1.25  # line height, in ems

TITLE_PX = 40
SUBTITLE_PX = 25
LEGEND_PX = 20
HEADING_PX = 20
MIN_HEADING_PX = 15
NAME_PX = (27, 30, 34)  # by how much the article says about the actor
MIN_NAME_PX = 21  # a name with a very long word shrinks down to this
STANCE_PX = 21
META_PX = 17
EDGE_LABEL_PX = 19
FOOTER_PX = 17
LEGEND_SAMPLE = 46  # length of the sample line before a legend entry's text
