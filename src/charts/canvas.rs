//! Drawing helpers shared by the charts: pixel-coordinate shapes and text on plotters' SVG
//! backend, text measurement with the embedded font, the palette, titles, legends and axes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::{ChartError, ChartText, CHART_WIDTH, DEJAVU_SANS};

/// Outer padding, px.
pub const PAD: i32 = 16;
/// Label, tick and legend text size, px.
pub const SMALL: f64 = 12.0;
/// Row label text size, px.
pub const LABEL: f64 = 13.0;
/// Title text size, px.
pub const TITLE: f64 = 18.0;

/// Main series (agency, index): dark blue, dark in greyscale.
pub const BLUE: RGBColor = RGBColor(0x1f, 0x5f, 0xa6);
/// Second series (city): light orange, light in greyscale.
pub const ORANGE: RGBColor = RGBColor(0xf4, 0xa5, 0x4a);
/// Target line and label: dark vermillion, always dashed.
pub const TARGET: RGBColor = RGBColor(0xb8, 0x3a, 0x0b);
/// Text.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text (n, notes, small-sample labels).
pub const MUTED: RGBColor = RGBColor(0x5f, 0x5f, 0x5f);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xe2, 0xe2, 0xe2);
/// Small-sample bar fill (hatched with [`MUTED`]).
pub const SMALL_FILL: RGBColor = RGBColor(0xd6, 0xd6, 0xd6);
/// Answer 1–5 colours: orange side dark → light, neutral grey, blue side light → dark.
pub const LIKERT: [RGBColor; 5] = [
    RGBColor(0xb3, 0x58, 0x06),
    RGBColor(0xf6, 0xb8, 0x6b),
    RGBColor(0xd9, 0xd9, 0xd9),
    RGBColor(0x92, 0xc5, 0xde),
    RGBColor(0x1f, 0x5f, 0xa6),
];
/// Answer colours that need white text on top.
pub const LIKERT_DARK: [bool; 5] = [true, false, false, false, true];

/// Width of `text` at `px` in DejaVu Sans (sum of advances; no kerning, so slightly generous).
pub fn text_width(text: &str, px: f64) -> f64 {
    let Ok(font) = FontRef::new(DEJAVU_SANS) else {
        // Unreachable with the embedded font; a rough estimate keeps layout going.
        return text.chars().count() as f64 * px * 0.62;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(px as f32), LocationRef::default());
    text.chars().map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)).map_or(px * 0.62, f64::from)).sum()
}

/// `text`, shortened with "…" so that it is at most `max` px wide at `px`.
pub fn truncate(text: &str, px: f64, max: f64) -> String {
    if text_width(text, px) <= max {
        return text.to_string();
    }
    let ellipsis = text_width("…", px);
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), px);
        if width + w + ellipsis > max {
            break;
        }
        out.push(c);
        width += w;
    }
    format!("{}…", out.trim_end())
}

/// Horizontal text alignment.
#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// A legend swatch.
#[derive(Clone, Copy)]
pub enum Swatch {
    /// A filled box.
    Fill(RGBColor),
    /// A grey hatched box (small sample).
    Hatch,
    /// An interval whisker.
    Whisker,
    /// A dashed line (target).
    Dashed(RGBColor),
    /// A line with a filled dot.
    Line(RGBColor),
    /// A hollow dot (small sample in a trend).
    Hollow(RGBColor),
}

/// A plotters SVG drawing area addressed in pixels, with errors mapped to [`ChartError`].
pub struct Canvas<'a> {
    area: DrawingArea<SVGBackend<'a>, Shift>,
    pub width: i32,
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn font(px: f64, color: RGBColor, align: Align) -> TextStyle<'static> {
    let h = match align {
        Align::Left => HPos::Left,
        Align::Center => HPos::Center,
        Align::Right => HPos::Right,
    };
    // plotters' SVG backend writes font-size = size / 1.24.
    ("sans-serif", px * 1.24).into_font().color(&color).pos(Pos::new(h, VPos::Center))
}

/// Rounds a pixel coordinate.
pub fn px(v: f64) -> i32 {
    v.round() as i32
}

impl<'a> Canvas<'a> {
    /// A white canvas of [`CHART_WIDTH`] × `height` drawing into `buf`.
    pub fn new(buf: &'a mut String, height: i32) -> Result<Self, ChartError> {
        let height = u32::try_from(height.max(1)).unwrap_or(1);
        let area = SVGBackend::with_string(buf, (CHART_WIDTH, height)).into_drawing_area();
        area.fill(&WHITE).map_err(draw_err)?;
        Ok(Self { area, width: CHART_WIDTH as i32 })
    }

    /// Writes the SVG into the buffer.
    pub fn finish(self) -> Result<(), ChartError> {
        self.area.present().map_err(draw_err)
    }

    /// Text vertically centred on `y`.
    pub fn text(&self, s: &str, x: i32, y: i32, px: f64, color: RGBColor, align: Align) -> Result<(), ChartError> {
        self.area.draw(&Text::new(s.to_string(), (x, y), font(px, color, align))).map_err(draw_err)
    }

    /// Left-aligned text on a white box, so that lines behind it (target, grid) do not cross it.
    pub fn boxed_text(&self, s: &str, x: i32, y: i32, px_size: f64, color: RGBColor) -> Result<(), ChartError> {
        let w = px(text_width(s, px_size));
        let h = px(px_size * 0.6);
        self.rect(x - 2, y - h, x + w + 2, y + h, WHITE)?;
        self.text(s, x, y, px_size, color, Align::Left)
    }

    /// A filled rectangle.
    pub fn rect(&self, x0: i32, y0: i32, x1: i32, y1: i32, color: RGBColor) -> Result<(), ChartError> {
        self.area.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled())).map_err(draw_err)
    }

    /// A rectangle outline.
    pub fn frame(&self, x0: i32, y0: i32, x1: i32, y1: i32, color: RGBColor) -> Result<(), ChartError> {
        self.area.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.stroke_width(1))).map_err(draw_err)
    }

    /// A straight line.
    pub fn line(&self, from: (i32, i32), to: (i32, i32), color: RGBColor, width: u32) -> Result<(), ChartError> {
        self.area.draw(&PathElement::new(vec![from, to], color.stroke_width(width))).map_err(draw_err)
    }

    /// A polyline.
    pub fn polyline(&self, points: Vec<(i32, i32)>, color: RGBColor, width: u32) -> Result<(), ChartError> {
        self.area.draw(&PathElement::new(points, color.stroke_width(width))).map_err(draw_err)
    }

    /// A horizontal or vertical dashed line (6 px dashes, 4 px gaps).
    pub fn dashed(&self, from: (i32, i32), to: (i32, i32), color: RGBColor, width: u32) -> Result<(), ChartError> {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = dx.abs().max(dy.abs());
        if len == 0 {
            return Ok(());
        }
        let at = |d: i32| (from.0 + dx * d / len, from.1 + dy * d / len);
        let mut d = 0;
        while d < len {
            self.line(at(d), at((d + 6).min(len)), color, width)?;
            d += 10;
        }
        Ok(())
    }

    /// A filled circle, or a hollow one with a white inside.
    pub fn dot(&self, x: i32, y: i32, r: i32, color: RGBColor, hollow: bool) -> Result<(), ChartError> {
        if hollow {
            self.area.draw(&Circle::new((x, y), r, WHITE.filled())).map_err(draw_err)?;
            self.area.draw(&Circle::new((x, y), r, color.stroke_width(2))).map_err(draw_err)
        } else {
            self.area.draw(&Circle::new((x, y), r, color.filled())).map_err(draw_err)
        }
    }

    /// A grey box hatched with 45° lines (small samples).
    pub fn hatched(&self, x0: i32, y0: i32, x1: i32, y1: i32) -> Result<(), ChartError> {
        self.rect(x0, y0, x1, y1, SMALL_FILL)?;
        let h = y1 - y0;
        let mut k = x0 - h;
        while k < x1 {
            // Segment from (k, y1) to (k + h, y0), clipped to x0..=x1.
            let t0 = (x0 - k).max(0);
            let t1 = (x1 - k).min(h);
            if t0 < t1 {
                self.line((k + t0, y1 - t0), (k + t1, y1 - t1), MUTED, 1)?;
            }
            k += 5;
        }
        self.frame(x0, y0, x1, y1, MUTED)
    }

    /// An interval whisker at height `y` with 8 px caps, with a white halo so it stays visible
    /// over dark bars.
    pub fn whisker(&self, x0: i32, x1: i32, y: i32) -> Result<(), ChartError> {
        for (color, w) in [(WHITE, 4), (INK, 1)] {
            self.line((x0, y), (x1, y), color, w + 1)?;
            self.line((x0, y - 5), (x0, y + 5), color, w)?;
            self.line((x1, y - 5), (x1, y + 5), color, w)?;
        }
        Ok(())
    }

    /// The title at the top left, truncated to the width; returns the y below it.
    /// The end of a horizontal-bar chart: the dashed target line with its label, the value
    /// labels (drawn last, on white, so the target line never crosses them) and the baseline.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_bars(
        self,
        scale: &Scale,
        target: f64,
        target_label: &str,
        values: Vec<(String, i32, i32, RGBColor)>,
        x0: i32,
        top: i32,
        bottom: i32,
    ) -> Result<(), ChartError> {
        let xt = scale.at(target);
        self.dashed((xt, top - 6), (xt, bottom), TARGET, 2)?;
        self.text(target_label, xt, top - 14, SMALL, TARGET, Align::Center)?;
        for (text, x, y, color) in values {
            self.boxed_text(&text, x, y, SMALL, color)?;
        }
        self.line((x0, top), (x0, bottom), INK, 1)?;
        self.finish()
    }

    pub fn title(&self, title: &str) -> Result<i32, ChartError> {
        let max = f64::from(self.width - 2 * PAD);
        self.text(&truncate(title, TITLE, max), PAD, PAD + 12, TITLE, INK, Align::Left)?;
        Ok(PAD + 32)
    }

    /// Draws a legend flowing over as many rows as needed from `y`; returns the y below it.
    pub fn legend(&self, items: &[(Swatch, String)], y: i32) -> Result<i32, ChartError> {
        let (mut x, mut y) = (PAD, y + 8);
        let right = self.width - PAD;
        for (swatch, label) in items {
            let label = truncate(label, SMALL, f64::from(right - PAD - 30));
            let w = 26 + px(text_width(&label, SMALL)) + 18;
            if x > PAD && x + w > right {
                x = PAD;
                y += 20;
            }
            match *swatch {
                Swatch::Fill(c) => {
                    self.rect(x, y - 6, x + 20, y + 6, c)?;
                    if c == WHITE || c == LIKERT[2] {
                        self.frame(x, y - 6, x + 20, y + 6, MUTED)?;
                    }
                }
                Swatch::Hatch => self.hatched(x, y - 6, x + 20, y + 6)?,
                Swatch::Whisker => self.whisker(x + 2, x + 18, y)?,
                Swatch::Dashed(c) => {
                    self.line((x, y), (x + 6, y), c, 2)?;
                    self.line((x + 10, y), (x + 20, y), c, 2)?;
                }
                Swatch::Line(c) => {
                    self.line((x, y), (x + 20, y), c, 2)?;
                    self.dot(x + 10, y, 4, c, false)?;
                }
                Swatch::Hollow(c) => self.dot(x + 10, y, 4, c, true)?,
            }
            self.text(&label, x + 26, y, SMALL, INK, Align::Left)?;
            x += w;
        }
        Ok(y + 14)
    }
}

/// A linear map from data values to pixels.
#[derive(Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    /// Pixel position of `v` (clamped to the domain).
    pub fn at(&self, v: f64) -> i32 {
        let v = if v.is_finite() { v.clamp(self.d0.min(self.d1), self.d0.max(self.d1)) } else { self.d0 };
        px(self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0))
    }
}

/// A whole chart that only says "no data", under its title.
pub fn empty_chart(title: &str, labels: &ChartText) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let canvas = Canvas::new(&mut svg, 160)?;
        let y = canvas.title(title)?;
        let w = canvas.width;
        canvas.frame(PAD, y + 8, w - PAD, 160 - PAD, GRID)?;
        canvas.text(&labels.no_data, w / 2, (y + 8 + 160 - PAD) / 2, LABEL, MUTED, Align::Center)?;
        canvas.finish()?;
    }
    Ok(svg)
}

/// Width of the left label column for `labels`: measured, clamped to 80..=`max`.
pub fn label_column(labels: impl Iterator<Item = impl AsRef<str>>, max: f64) -> f64 {
    labels.map(|l| text_width(l.as_ref(), LABEL)).fold(0.0, f64::max).clamp(80.0, max)
}

/// A vertical grid with tick labels (in percent, no "%" sign) under a horizontal percent scale,
/// and the axis caption below; returns the y below the caption.
pub fn percent_axis(
    canvas: &Canvas,
    scale: Scale,
    ticks: &[f64],
    top: i32,
    bottom: i32,
    caption: &str,
) -> Result<i32, ChartError> {
    for &t in ticks {
        let x = scale.at(t);
        canvas.line((x, top), (x, bottom), GRID, 1)?;
        canvas.text(&format!("{}", t.abs()), x, bottom + 12, SMALL, MUTED, Align::Center)?;
    }
    let mid = (scale.at(scale.d0) + scale.at(scale.d1)) / 2;
    canvas.text(caption, mid, bottom + 32, SMALL, INK, Align::Center)?;
    Ok(bottom + 44)
}
