//! The PNG backend of every chart: plotters' bitmap backend with its text
//! drawing replaced.
//!
//! plotters 0.3.7 rasterises each glyph at the pen position but drops the
//! glyph's left side bearing, so in PNGs narrow glyphs slide left and leave
//! gaps (`$ 0.60`, `acm e-web`), and it puts the baseline half an em below
//! the text's top, so text rides a quarter em high. This backend draws text
//! itself with the same embedded DejaVu faces, placing every glyph at its
//! true bounds inside plotters' layout box, so text lands where the SVG
//! (rendered by a browser) puts it. Everything else is
//! delegated to [`BitMapBackend`].
//!
//! Owns: glyph placement in PNGs. Must not: lay out charts.

use std::path::Path;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

use super::FONT_FAMILY;

/// A bitmap backend whose text keeps each glyph's side bearings.
pub struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> PngBackend<'a> {
    /// A PNG of `size` pixels written to `path` on `present`.
    pub fn new(path: &'a Path, size: (u32, u32)) -> Self {
        PngBackend {
            inner: BitMapBackend::new(path, size),
        }
    }
}

/// The embedded face for a style (`None` if the font data does not parse,
/// in which case plotters' own drawing is used).
fn face(style: FontStyle) -> Option<&'static FontRef<'static>> {
    static FACES: OnceLock<[Option<FontRef<'static>>; 3]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        [
            FontRef::try_from_slice(dejavu::sans::regular()).ok(),
            FontRef::try_from_slice(dejavu::sans::bold()).ok(),
            FontRef::try_from_slice(dejavu::sans::oblique()).ok(),
        ]
    });
    let i = match style {
        FontStyle::Normal => 0,
        FontStyle::Bold => 1,
        FontStyle::Oblique | FontStyle::Italic => 2,
    };
    faces[i].as_ref()
}

/// Where the baseline sits below the top of the layout box, in em.
const BASELINE: f32 = 0.765;

/// Coverage of every pixel of `text` drawn with its top-left layout corner
/// at (0, 0), before anchoring and rotation: `(x, y, coverage 0–1)`.
fn glyph_pixels(font: &FontRef<'static>, size: f64, text: &str) -> Vec<(i32, i32, f32)> {
    let scaled = font.as_scaled(size as f32);
    let mut out = Vec::new();
    let mut pen = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        prev = Some(id);
        let mut glyph = scaled.scaled_glyph(c);
        glyph.position = ab_glyph::point(pen, 0.0);
        if let Some(outline) = scaled.outline_glyph(glyph) {
            let b = outline.px_bounds();
            // The baseline sits so that digits and capitals (0.73 em
            // tall) fill plotters' layout box (0.8 em) with even margins:
            // plotters' own rule (a baseline at 0.5 em) drew text 0.26 em
            // too high, onto the tick marks above x-axis labels.
            let top = (BASELINE * size as f32 + b.min.y).round() as i32;
            let left = b.min.x.floor() as i32;
            outline.draw(|x, y, cov| out.push((left + x as i32, top + y as i32, cov)));
        }
        pen += scaled.h_advance(id);
    }
    out
}

impl<'a> DrawingBackend for PngBackend<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let font = match face(style.style()) {
            Some(f) if style.family().as_str() == FONT_FAMILY => f,
            _ => return self.inner.draw_text(text, style, pos),
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        // Anchoring exactly as plotters does, from its layout box.
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        for (x, y, cov) in glyph_pixels(font, style.size(), text) {
            let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 && cov > 0.0 {
                let c = BackendColor {
                    alpha: color.alpha * f64::from(cov.min(1.0)),
                    rgb: color.rgb,
                };
                self.inner.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns holding ink in a rendering of `text`.
    fn ink_columns(text: &str) -> Vec<i32> {
        let font = face(FontStyle::Normal).expect("embedded font");
        let mut cols: Vec<i32> = glyph_pixels(font, 15.0, text)
            .into_iter()
            .filter(|p| p.2 > 0.3)
            .map(|p| p.0)
            .collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    }

    #[test]
    fn glyphs_keep_their_side_bearings() {
        // "$0" at 15 px: with the bearing kept, the widest run of empty
        // columns between the two glyphs is under 2 px (the font's own
        // spacing); dropping the bearings (the bug) left a 3 px hole.
        let cols = ink_columns("$0");
        let widest_gap = cols.windows(2).map(|w| w[1] - w[0] - 1).max().unwrap_or(0);
        assert!(widest_gap <= 2, "gap of {widest_gap} px in {cols:?}");
        // And a glyph with a left bearing does not start at column 0.
        assert!(ink_columns("l")[0] >= 1, "{:?}", ink_columns("l"));
    }
}
