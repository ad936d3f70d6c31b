//! Charts with plotters: PNG (bitmap backend) or SVG, each readable on its own (title, axis labels
//! with units, legend). Text is drawn with DejaVu Sans embedded in the binary (Bitstream Vera
//! licence, `assets/fonts/`), so charts render on a machine with no fonts installed: plotters is
//! built without its system-font (`ttf`/font-kit) feature.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font as "sans-serif" (once per process).
pub fn ensure_fonts() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // The font is compiled in and known to parse; a failure here would be a build defect.
        if plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            unreachable!("the embedded font is a valid TrueType file");
        }
    });
}

/// PNG or SVG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartFormat {
    /// Bitmap, 1000 x 600.
    Png,
    /// Vector.
    Svg,
}

impl ChartFormat {
    /// File extension.
    pub fn ext(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

/// One named series of points.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Clone, Debug)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// X axis label with unit.
    pub x_label: String,
    /// Y axis label with unit.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Formats x tick labels.
    pub x_fmt: fn(f64) -> String,
    /// Vertical markers: (x, label), e.g. faults.
    pub markers: Vec<(f64, String)>,
    /// Highlighted points: (x, y, label), e.g. a chosen size.
    pub highlights: Vec<(f64, f64, String)>,
    /// Tick positions and their labels, instead of evenly spaced ticks (percentiles).
    pub x_ticks: Option<Vec<(f64, String)>>,
    /// Points only, no lines between them (sizes between the simulated ones were never run).
    pub points_only: bool,
    /// The y axis stops here at most (1 for ratios).
    pub y_max: Option<f64>,
    /// Horizontal reference lines: (y, label), e.g. a target.
    pub h_lines: Vec<(f64, String)>,
}

impl Default for LineChart {
    fn default() -> Self {
        LineChart {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            log_x: false,
            series: Vec::new(),
            x_fmt: |x| format!("{x}"),
            markers: Vec::new(),
            highlights: Vec::new(),
            x_ticks: None,
            points_only: false,
            y_max: None,
            h_lines: Vec::new(),
        }
    }
}

/// A grouped bar chart: one group per category, one bar per series.
#[derive(Clone, Debug)]
pub struct BarChart {
    /// Title.
    pub title: String,
    /// Label under the groups.
    pub x_label: String,
    /// Y axis label with unit.
    pub y_label: String,
    /// Group names.
    pub categories: Vec<String>,
    /// One value per category for each named series.
    pub series: Vec<(String, Vec<f64>)>,
}

const SIZE: (u32, u32) = (1000, 600);

/// Eight colours far apart (no grey, which reads as "disabled").
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// Series told apart: eight colours, then each block of eight with its own line style and
/// marker (solid and circles, dashed and triangles, dotted and squares, long dashes and crosses),
/// so 32 series look different from one another (and without colour).
pub const DISTINCT_SERIES: usize = 32;

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Series `i`'s style block (0 to 3).
fn block(i: usize) -> usize {
    (i / PALETTE.len()) % 4
}

/// A bar series' colour: the palette, then darker, lighter and paler blocks of it.
fn bar_color(i: usize) -> RGBColor {
    let RGBColor(r, g, b) = color(i);
    let mix = |c: u8, t: u8, f: f64| (c as f64 + (t as f64 - c as f64) * f).round() as u8;
    match block(i) {
        0 => RGBColor(r, g, b),
        1 => RGBColor(mix(r, 0, 0.45), mix(g, 0, 0.45), mix(b, 0, 0.45)),
        2 => RGBColor(mix(r, 255, 0.45), mix(g, 255, 0.45), mix(b, 255, 0.45)),
        _ => RGBColor(mix(r, 255, 0.72), mix(g, 255, 0.72), mix(b, 255, 0.72)),
    }
}

/// Canvas size for a chart with `n` legend entries: taller when the legend needs it.
fn size_for(n: usize) -> (u32, u32) {
    (SIZE.0, SIZE.1.max(90 + 20 * n as u32))
}

/// Width of the legend panel beside the plot for these labels.
fn legend_width(labels: &[&str]) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    (48 + chars * 8).clamp(120, SIZE.0 * 2 / 5)
}

/// A label cut to fit `px` pixels of legend.
fn fit(label: &str, px: u32) -> String {
    let max = ((px.saturating_sub(48)) / 8) as usize;
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Draws the legend in its own panel: a sample of each series (line and marker, or a swatch).
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, labels: &[String], bars: bool) -> Result<()> {
    let w = area.dim_in_pixel().0;
    for (i, l) in labels.iter().enumerate() {
        let y = 70 + 20 * i as i32;
        let col = if bars { bar_color(i) } else { color(i) };
        if bars {
            area.draw(&Rectangle::new([(8, y - 6), (24, y + 6)], col.filled()))
                .map_err(err)?;
            area.draw(&Rectangle::new([(8, y - 6), (24, y + 6)], BLACK.mix(0.4)))
                .map_err(err)?;
        } else {
            let style = col.stroke_width(if block(i) == 3 { 1 } else { 2 });
            match block(i) {
                0 => area.draw(&PathElement::new(vec![(4, y), (32, y)], style)),
                1 => area
                    .draw(&PathElement::new(vec![(4, y), (12, y)], style))
                    .and_then(|_| area.draw(&PathElement::new(vec![(17, y), (25, y)], style))),
                2 => (0..7).try_for_each(|k| area.draw(&PathElement::new(vec![(4 + 4 * k, y), (6 + 4 * k, y)], style))),
                _ => area
                    .draw(&PathElement::new(vec![(4, y), (16, y)], style))
                    .and_then(|_| area.draw(&PathElement::new(vec![(20, y), (32, y)], style))),
            }
            .map_err(err)?;
            draw_marker(area, (18, y), i)?;
        }
        area.draw(&Text::new(fit(l, w), (40, y - 8), ("sans-serif", 14).into_font()))
            .map_err(err)?;
    }
    Ok(())
}

/// Series `i`'s marker at a pixel position.
fn draw_marker<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, (x, y): (i32, i32), i: usize) -> Result<()> {
    let col = color(i);
    match block(i) {
        0 => area.draw(&Circle::new((x, y), 4, col.filled())),
        1 => area.draw(&TriangleMarker::new((x, y), 5, col.filled())),
        2 => area.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], col.filled())),
        _ => area.draw(&Cross::new((x, y), 5, col.stroke_width(2))),
    }
    .map_err(err)
}

/// Splits points at non-finite y values (intervals without data): each run is drawn apart.
fn segments(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &p in points {
        if p.1.is_finite() {
            out.last_mut().expect("one run").push(p);
        } else if !out.last().expect("one run").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e:?}")
}

fn bounds(series: &[Series], log_x: bool) -> (f64, f64, f64, f64) {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        if (log_x && x <= 0.0) || !y.is_finite() {
            continue;
        }
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (1.0, 2.0, 0.0, 1.0);
    }
    if x0 == x1 {
        if log_x {
            (x0, x1) = (x0 / 2.0, x1 * 2.0);
        } else {
            (x0, x1) = (x0 - 1.0, x1 + 1.0);
        }
    }
    let pad = ((y1 - y0) * 0.08).max(1e-9);
    (x0, x1, (y0 - pad).max(if y0 >= 0.0 { 0.0 } else { f64::MIN }), y1 + pad)
}

fn draw_line<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, c: &LineChart) -> Result<()> {
    ensure_fonts();
    root.fill(&WHITE).map_err(err)?;
    let (x0, x1, y0, mut y1) = bounds(&c.series, c.log_x);
    if let Some(m) = c.y_max {
        y1 = y1.min(m);
    }
    for (y, _) in &c.h_lines {
        y1 = y1.max(*y * 1.05);
    }
    let labels: Vec<String> = c.series.iter().map(|s| s.name.clone()).collect();
    let legend = labels.len() > 1 || labels.iter().any(|l| !l.is_empty());
    let root = root.titled(&c.title, ("sans-serif", 24)).map_err(err)?;
    let (plot, side) = if legend {
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let w = root.dim_in_pixel().0 - legend_width(&refs);
        root.split_horizontally(w)
    } else {
        let w = root.dim_in_pixel().0;
        root.split_horizontally(w)
    };
    if legend {
        draw_legend(&side, &labels, false)?;
    }
    let mut b = ChartBuilder::on(&plot);
    b.margin(15).x_label_area_size(55).y_label_area_size(75);
    // A log axis gets its ticks here: its two ends, then 1-2-5 steps of each decade; a label
    // closer than 45 px to one already placed is left out (the ends are placed first).
    let auto_log = c.log_x && c.x_ticks.is_none();
    let ticks = if auto_log {
        let mut t = vec![(x0, (c.x_fmt)(x0)), (x1, (c.x_fmt)(x1))];
        let mut decade = 10f64.powf(x0.log10().floor());
        while decade <= x1 {
            for m in [1.0, 2.0, 5.0] {
                let v = decade * m;
                if v > x0 * 1.0001 && v < x1 / 1.0001 {
                    t.push((v, (c.x_fmt)(v)));
                }
            }
            decade *= 10.0;
        }
        Some(t)
    } else {
        c.x_ticks.clone()
    };
    macro_rules! body {
        ($chart:expr) => {{
            let mut chart = $chart;
            {
                // With explicit ticks the mesh labels nothing itself (a log axis would still
                // label its decades).
                let explicit = ticks.is_some();
                let fmt = move |x: &f64| if explicit { String::new() } else { (c.x_fmt)(*x) };
                let mut mesh = chart.configure_mesh();
                mesh.x_desc(&c.x_label)
                    .y_desc(&c.y_label)
                    .x_label_formatter(&fmt)
                    .label_style(("sans-serif", 15))
                    .axis_desc_style(("sans-serif", 17));
                if ticks.is_some() {
                    mesh.x_labels(0).disable_x_mesh();
                } else {
                    mesh.x_labels(10);
                }
                mesh.draw().map_err(err)?;
            }
            // Explicit ticks: a light grid line and a label under the axis at each.
            let mut placed: Vec<i32> = Vec::new();
            for (x, label) in ticks.iter().flatten() {
                let (px, _) = chart.backend_coord(&(*x, y0));
                if auto_log && placed.iter().any(|&q| (q - px).abs() < 45) {
                    continue;
                }
                placed.push(px);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, y0), (*x, y1)],
                        BLACK.mix(0.15).stroke_width(1),
                    )))
                    .map_err(err)?;
                let (px, py) = chart.backend_coord(&(*x, y0));
                let style = ("sans-serif", 15)
                    .into_font()
                    .into_text_style(&plot)
                    .pos(Pos::new(HPos::Center, VPos::Top));
                let (ox, oy) = plot.get_base_pixel();
                plot.draw(&Text::new(label.clone(), (px - ox, py - oy + 6), style))
                    .map_err(err)?;
            }
            for (y, label) in &c.h_lines {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x0, *y), (x1, *y)],
                        8,
                        5,
                        BLACK.mix(0.6).stroke_width(1),
                    ))
                    .map_err(err)?;
                let (px, py) = chart.backend_coord(&(x0, *y));
                let (ox, oy) = plot.get_base_pixel();
                plot.draw(&Text::new(
                    label.clone(),
                    (px - ox + 6, py - oy - 18),
                    ("sans-serif", 14).into_font(),
                ))
                .map_err(err)?;
            }
            for (i, s) in c.series.iter().enumerate() {
                let col = color(i);
                let pts: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|p| (!c.log_x || p.0 > 0.0) && p.1 <= y1 + 1e-12)
                    .collect();
                if !c.points_only {
                    for seg in segments(&pts) {
                        match block(i) {
                            0 => chart.draw_series(LineSeries::new(seg, col.stroke_width(2))),
                            1 => chart.draw_series(DashedLineSeries::new(seg, 10, 5, col.stroke_width(2))),
                            2 => chart.draw_series(DashedLineSeries::new(seg, 3, 4, col.stroke_width(2))),
                            _ => chart.draw_series(DashedLineSeries::new(seg, 16, 6, col.stroke_width(1))),
                        }
                        .map_err(err)?;
                    }
                }
                let finite: Vec<(f64, f64)> = pts.iter().copied().filter(|p| p.1.is_finite()).collect();
                // Markers where they stay readable (and always when there are no lines).
                if c.points_only || finite.len() <= 64 {
                    let (ox, oy) = plot.get_base_pixel();
                    for p in finite {
                        let (px, py) = chart.backend_coord(&p);
                        draw_marker(&plot, (px - ox, py - oy), i)?;
                    }
                }
            }
            // Event markers: one line per event; labels in up to three rows, each placed where it
            // overlaps no earlier one (an event whose label finds no room keeps its line).
            let mut seen: Vec<(i64, &str)> = Vec::new();
            let mut rows: [i32; 3] = [i32::MIN; 3];
            for (x, label) in &c.markers {
                let k = ((*x * 1e6).round() as i64, label.as_str());
                if seen.contains(&k) || *x < x0 || *x > x1 {
                    continue;
                }
                seen.push(k);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, y0), (*x, y1)],
                        RED.mix(0.7).stroke_width(1),
                    )))
                    .map_err(err)?;
                let (px, py) = chart.backend_coord(&(*x, y1));
                let (ox, oy) = plot.get_base_pixel();
                let width = 9 * label.chars().count() as i32 + 12;
                if let Some(r) = (0..rows.len()).find(|&r| rows[r] < px) {
                    rows[r] = px + width;
                    plot.draw(&Text::new(
                        label.clone(),
                        (px - ox + 3, py - oy + 2 + 16 * r as i32),
                        ("sans-serif", 13).into_font().color(&RED),
                    ))
                    .map_err(err)?;
                }
            }
            let (pw, _) = plot.dim_in_pixel();
            // Labels placed so that none overlaps another: moved down a line at a time.
            let mut placed: Vec<(i32, i32, i32)> = Vec::new();
            for (x, y, label) in &c.highlights {
                chart
                    .draw_series(std::iter::once(Circle::new((*x, *y), 7, BLACK.stroke_width(2))))
                    .map_err(err)?;
                // Labels near the right edge are written to the left of their point.
                let (px, py) = chart.backend_coord(&(*x, *y));
                let (ox, oy) = plot.get_base_pixel();
                let w = 8 * label.trim().chars().count() as i32;
                let lx = if px - ox + 12 + w > pw as i32 - 10 {
                    px - ox - 12 - w
                } else {
                    px - ox + 12
                };
                let mut ly = py - oy + 4;
                while placed
                    .iter()
                    .any(|&(a, b, t)| lx < b && a < lx + w && (ly - t).abs() < 17)
                {
                    ly += 17;
                }
                placed.push((lx, lx + w, ly));
                plot.draw(&Text::new(
                    label.trim().to_string(),
                    (lx, ly),
                    ("sans-serif", 14).into_font(),
                ))
                .map_err(err)?;
            }
        }};
    }
    if c.log_x {
        body!(b.build_cartesian_2d((x0..x1).log_scale(), y0..y1).map_err(err)?);
    } else {
        body!(b.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?);
    }
    root.present().map_err(err)?;
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, c: &BarChart) -> Result<()> {
    ensure_fonts();
    root.fill(&WHITE).map_err(err)?;
    let n = c.categories.len().max(1);
    let ymax = c
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.08;
    let cats = c.categories.clone();
    let root = root.titled(&c.title, ("sans-serif", 24)).map_err(err)?;
    let labels: Vec<String> = c.series.iter().map(|(n, _)| n.clone()).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let w = root.dim_in_pixel().0 - legend_width(&refs);
    let (plot, side) = root.split_horizontally(w);
    draw_legend(&side, &labels, true)?;
    // Category labels thinned so that they never run together: every k-th, k from their width.
    let longest = cats.iter().map(|c| c.chars().count()).max().unwrap_or(1).max(1) as u32;
    let per = (w.saturating_sub(120)) / n as u32;
    let every = ((longest * 8 + 10) as f64 / per.max(1) as f64).ceil().max(1.0) as usize;
    let mut chart = ChartBuilder::on(&plot)
        .margin(15)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d(0f64..n as f64, 0f64..ymax)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 0.26 && i < cats.len() && i.is_multiple_of(every) {
                cats[i].clone()
            } else {
                String::new()
            }
        })
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()
        .map_err(err)?;
    let k = c.series.len().max(1) as f64;
    let bw = 0.8 / k;
    for (j, (_, vals)) in c.series.iter().enumerate() {
        let col = bar_color(j);
        chart
            .draw_series(vals.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, &v)| {
                let x = i as f64 + 0.1 + j as f64 * bw;
                Rectangle::new([(x, 0.0), (x + bw * 0.92, v)], col.filled())
            }))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Renders a line chart to `path` (written atomically).
pub fn line(path: &Path, format: ChartFormat, c: &LineChart) -> Result<()> {
    render(
        path,
        format,
        size_for(c.series.len()),
        |r| draw_line(r, c),
        |r| draw_line(r, c),
    )
}

/// Renders a bar chart to `path` (written atomically).
pub fn bars(path: &Path, format: ChartFormat, c: &BarChart) -> Result<()> {
    render(
        path,
        format,
        size_for(c.series.len()),
        |r| draw_bars(r, c),
        |r| draw_bars(r, c),
    )
}

fn render(
    path: &Path,
    format: ChartFormat,
    size: (u32, u32),
    bitmap: impl FnOnce(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
    svg: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<()> {
    let bytes = match format {
        ChartFormat::Png => {
            let mut buf = vec![0u8; (size.0 * size.1 * 3) as usize];
            bitmap(BitMapBackend::with_buffer(&mut buf, size).into_drawing_area())?;
            let mut png = Vec::new();
            let mut enc = png::Encoder::new(&mut png, size.0, size.1);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.write_header()?.write_image_data(&buf)?;
            png
        }
        ChartFormat::Svg => {
            let mut s = String::new();
            svg(SVGBackend::with_string(&mut s, size).into_drawing_area())?;
            s.into_bytes()
        }
    };
    super::write_atomic(path, &bytes)
}

/// Renders a line chart into an RGB buffer of [`PIXELS`] (for tests; at most 25 series).
pub fn line_to_rgb(c: &LineChart) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    draw_line(BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area(), c)?;
    Ok(buf)
}

/// Chart size in pixels.
pub const PIXELS: (u32, u32) = SIZE;

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(title: &str) -> LineChart {
        LineChart {
            title: title.into(),
            x_label: "cache size (MiB)".into(),
            y_label: "miss ratio".into(),
            log_x: true,
            series: vec![Series {
                name: "lru".into(),
                points: vec![(1.0, 0.9), (10.0, 0.5), (100.0, 0.2)],
            }],
            x_fmt: |x| format!("{x}"),
            ..Default::default()
        }
    }

    /// Dark pixels in the title band (the top 28 rows).
    fn title_ink(buf: &[u8]) -> usize {
        let w = PIXELS.0 as usize;
        buf[..w * 28 * 3]
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 128))
            .count()
    }

    #[test]
    fn up_to_32_series_look_different_and_every_colour_is_drawn() {
        let styles: std::collections::HashSet<((u8, u8, u8), usize)> = (0..DISTINCT_SERIES)
            .map(|i| {
                let RGBColor(r, g, b) = color(i);
                ((r, g, b), block(i))
            })
            .collect();
        assert_eq!(styles.len(), DISTINCT_SERIES);
        let bars: std::collections::HashSet<(u8, u8, u8)> = (0..DISTINCT_SERIES)
            .map(|i| {
                let RGBColor(r, g, b) = bar_color(i);
                (r, g, b)
            })
            .collect();
        assert_eq!(bars.len(), DISTINCT_SERIES);
        // Decoded pixels: each of eight series' colours is on the image (lines, markers, legend).
        let mut c = chart("eight");
        c.series = (0..8)
            .map(|i| Series {
                name: format!("policy {i}"),
                points: vec![
                    (1.0, 0.1 * i as f64),
                    (10.0, 0.1 * i as f64 + 0.05),
                    (100.0, 0.1 * i as f64 + 0.08),
                ],
            })
            .collect();
        let buf = line_to_rgb(&c).unwrap();
        for i in 0..8 {
            let RGBColor(r, g, b) = color(i);
            let n = buf.chunks(3).filter(|p| p == &[r, g, b]).count();
            assert!(n > 50, "series {i}'s colour covers {n} pixels");
        }
    }

    #[test]
    fn gaps_split_lines() {
        assert_eq!(
            segments(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0), (4.0, f64::NAN)]),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        assert!(segments(&[(0.0, f64::NAN)]).is_empty());
    }

    #[test]
    fn text_renders_with_the_embedded_font() {
        // plotters is built without font-kit, so no system font can be used: any glyph ink comes
        // from the embedded DejaVu Sans. A title must put ink where an empty title leaves none.
        let with = line_to_rgb(&chart("Miss ratio by cache size")).unwrap();
        let without = line_to_rgb(&chart("")).unwrap();
        assert!(title_ink(&with) > 200, "title drew {} dark pixels", title_ink(&with));
        assert_eq!(title_ink(&without), 0);
        // The chart itself is not blank: lines, axes and labels.
        let non_white = with.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        assert!(non_white > 10_000, "{non_white}");
    }
}
