//! Charts with plotters, PNG and SVG, with an embedded font.
