//! Charts with plotters: PNG (bitmap backend) or SVG, each readable on its own (title, axis labels
//! with units, legend). Text is drawn with DejaVu Sans embedded in the binary (Bitstream Vera
//! licence, `assets/fonts/`), so charts render on a machine with no fonts installed: plotters is
//! built without its system-font (`ttf`/font-kit) feature.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
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

fn color(i: usize) -> RGBColor {
    const P: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    P[i % P.len()]
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e:?}")
}

fn bounds(series: &[Series], log_x: bool) -> (f64, f64, f64, f64) {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        if log_x && x <= 0.0 {
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
    let (x0, x1, y0, y1) = bounds(&c.series, c.log_x);
    let mut b = ChartBuilder::on(&root);
    b.caption(&c.title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(75);
    macro_rules! body {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(&c.x_label)
                .y_desc(&c.y_label)
                .x_labels(10)
                .x_label_formatter(&|x| (c.x_fmt)(*x))
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 17))
                .draw()
                .map_err(err)?;
            for (i, s) in c.series.iter().enumerate() {
                // The palette has 10 colours: the second ten series are dashed with triangles, the
                // rest dotted with crosses, so that no two series look alike.
                let col = color(i);
                let cycle = i / 10;
                let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| !c.log_x || p.0 > 0.0).collect();
                let drawn = match cycle {
                    0 => chart.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2))),
                    1 => chart.draw_series(DashedLineSeries::new(pts.clone(), 10, 5, col.stroke_width(2))),
                    _ => chart.draw_series(DashedLineSeries::new(pts.clone(), 3, 4, col.stroke_width(2))),
                };
                drawn.map_err(err)?.label(s.name.clone()).legend(move |(x, y)| {
                    // The legend shows the line with the series' marker drawn over its middle.
                    let mark: Vec<(i32, i32)> = match cycle {
                        0 => vec![(9, -2), (13, -2), (13, 2), (9, 2), (9, -2)],
                        1 => vec![(7, 3), (11, -4), (15, 3), (7, 3)],
                        _ => vec![(7, -4), (15, 4), (11, 0), (7, 4), (15, -4)],
                    };
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (22, 0)], col.stroke_width(2))
                        + PathElement::new(mark, col.stroke_width(2))
                });
                if pts.len() <= 64 {
                    match cycle {
                        0 => chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, col.filled()))),
                        1 => chart.draw_series(pts.iter().map(|&p| TriangleMarker::new(p, 4, col.filled()))),
                        _ => chart.draw_series(pts.iter().map(|&p| Cross::new(p, 4, col.stroke_width(2)))),
                    }
                    .map_err(err)?;
                }
            }
            for (x, label) in &c.markers {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, y0), (*x, y1)],
                        RED.stroke_width(1),
                    )))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        (*x, y1),
                        ("sans-serif", 14).into_font().color(&RED),
                    )))
                    .map_err(err)?;
            }
            for (x, y, label) in &c.highlights {
                chart
                    .draw_series(std::iter::once(Circle::new((*x, *y), 7, BLACK.stroke_width(2))))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        (*x, *y),
                        ("sans-serif", 15).into_font(),
                    )))
                    .map_err(err)?;
            }
            if c.series.len() > 1 || c.series.iter().any(|s| !s.name.is_empty()) {
                chart
                    .configure_series_labels()
                    .label_font(("sans-serif", 15))
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .position(SeriesLabelPosition::UpperRight)
                    .draw()
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
        * 1.3;
    let cats = c.categories.clone();
    let mut chart = ChartBuilder::on(&root)
        .caption(&c.title, ("sans-serif", 26))
        .margin(20)
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
            if (x - i as f64 - 0.5).abs() < 0.26 && i < cats.len() {
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
    let w = 0.8 / k;
    for (j, (name, vals)) in c.series.iter().enumerate() {
        let col = color(j);
        chart
            .draw_series(vals.iter().enumerate().map(|(i, &v)| {
                let x = i as f64 + 0.1 + j as f64 * w;
                Rectangle::new([(x, 0.0), (x + w * 0.92, v)], col.filled())
            }))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], col.filled()));
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Renders a line chart to `path` (written atomically).
pub fn line(path: &Path, format: ChartFormat, c: &LineChart) -> Result<()> {
    render(path, format, |r| draw_line(r, c), |r| draw_line(r, c))
}

/// Renders a bar chart to `path` (written atomically).
pub fn bars(path: &Path, format: ChartFormat, c: &BarChart) -> Result<()> {
    render(path, format, |r| draw_bars(r, c), |r| draw_bars(r, c))
}

fn render(
    path: &Path,
    format: ChartFormat,
    bitmap: impl FnOnce(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
    svg: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<()> {
    let bytes = match format {
        ChartFormat::Png => {
            let mut buf = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
            bitmap(BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area())?;
            let mut png = Vec::new();
            let mut enc = png::Encoder::new(&mut png, SIZE.0, SIZE.1);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.write_header()?.write_image_data(&buf)?;
            png
        }
        ChartFormat::Svg => {
            let mut s = String::new();
            svg(SVGBackend::with_string(&mut s, SIZE).into_drawing_area())?;
            s.into_bytes()
        }
    };
    super::write_atomic(path, &bytes)
}

/// Renders a line chart into an RGB buffer (for tests).
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
            markers: vec![],
            highlights: vec![],
        }
    }

    /// Dark pixels in the title band (the top 50 rows).
    fn title_ink(buf: &[u8]) -> usize {
        let w = PIXELS.0 as usize;
        buf[..w * 50 * 3]
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 128))
            .count()
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
