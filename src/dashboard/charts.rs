//! Charts drawn on the server as SVG (plotters' SVG backend only): no chart library in the page,
//! and the numbers are always in a table beside them.

use plotters::prelude::*;

const SIZE: (u32, u32) = (720, 260);
const PALETTE: [RGBColor; 4] =
    [RGBColor(199, 54, 89), RGBColor(52, 101, 164), RGBColor(78, 154, 6), RGBColor(196, 160, 0)];

/// One line of a chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

fn top(series: &[Series<'_>]) -> f64 {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
    // Small counts get whole-number ticks (0 to 5), not 0, 0, 1, 1.
    if max <= 4.0 { 5.0 } else { max * 1.15 }
}

/// Lines over labelled points (days, cohorts): `labels[i]` names the i-th value of each series.
pub fn lines(labels: &[String], series: &[Series<'_>]) -> String {
    let mut svg = String::new();
    if let Err(error) = draw_lines(&mut svg, labels, series) {
        tracing::warn!(%error, "a chart could not be drawn");
        return String::new();
    }
    svg
}

fn draw_lines(svg: &mut String, labels: &[String], series: &[Series<'_>]) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n = labels.len().max(2) as f64;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..n - 1.0, 0f64..top(series))?;
    let label = |x: &f64| labels.get(x.round() as usize).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                s.values.iter().enumerate().map(|(x, y)| (x as f64, *y)),
                color.stroke_width(2),
            ))?
            .label(s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    if series.len() > 1 {
        chart.configure_series_labels().border_style(RGBColor(200, 200, 200)).background_style(WHITE).draw()?;
    }
    root.present()?;
    Ok(())
}

/// Grouped bars per label (chapters, days): one bar per series in each group.
pub fn bars(labels: &[String], series: &[Series<'_>]) -> String {
    let mut svg = String::new();
    if let Err(error) = draw_bars(&mut svg, labels, series) {
        tracing::warn!(%error, "a chart could not be drawn");
        return String::new();
    }
    svg
}

fn draw_bars(svg: &mut String, labels: &[String], series: &[Series<'_>]) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let n = labels.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(52)
        .build_cartesian_2d(-0.5f64..n - 0.5, 0f64..top(series))?;
    let label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 0.01 { labels.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(labels.len().min(16))
        .y_labels(6)
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    let width = 0.8 / series.len().max(1) as f64;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(s.values.iter().enumerate().map(|(x, v)| {
                let left = x as f64 - 0.4 + width * i as f64;
                Rectangle::new([(left, 0.0), (left + width * 0.9, *v)], color.filled())
            }))?
            .label(s.name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    if series.len() > 1 {
        chart.configure_series_labels().border_style(RGBColor(200, 200, 200)).background_style(WHITE).draw()?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_labels_and_one_mark_per_value() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let line = lines(&labels, &[Series { name: "Activos", values: vec![1.0, 5.0, 3.0] }]);
        assert!(line.starts_with("<svg") && line.contains("</svg>"), "{line}");
        assert!(line.contains("<polyline"), "a line");
        let bar = bars(
            &labels,
            &[
                Series { name: "Empezaron", values: vec![4.0, 2.0, 1.0] },
                Series { name: "Terminaron", values: vec![2.0, 1.0, 0.0] },
            ],
        );
        assert!(bar.contains("Empezaron") && bar.contains("Terminaron"), "legend: {bar}");
        // Six bars plus the legend's two swatches and the background.
        assert!(bar.matches("<rect").count() >= 8, "{bar}");
    }

    #[test]
    fn an_empty_chart_still_draws() {
        assert!(lines(&[], &[Series { name: "x", values: vec![] }]).contains("<svg"));
        assert!(bars(&[], &[]).contains("<svg"));
    }
}
