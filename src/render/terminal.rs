//! Table helpers shared by the terminal renderers of `check`, `diff` and `compare`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};

use super::Style;
use super::describe;
use crate::gate::Breach;

/// A table in the house style, colored only when `style` says so.
pub fn new_table(style: Style) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

/// The objective, scenario, limit and actual cells that start every breach row (the actual in
/// `color`), shared by the tables of analyze, check and diff.
pub fn breach_cells(b: &Breach, color: Color, style: Style) -> Vec<Cell> {
    vec![
        Cell::new(b.objective),
        Cell::new(
            b.scenario
                .as_deref()
                .unwrap_or(describe::overall_scenario(b.objective)),
        ),
        Cell::new(describe::value(b.objective, &b.limit)),
        paint(
            Cell::new(describe::value(b.objective, &b.actual)),
            color,
            style,
        ),
    ]
}

/// A cell in a color, when color is on.
pub fn paint(cell: Cell, color: Color, style: Style) -> Cell {
    if style.color { cell.fg(color) } else { cell }
}

/// A word in a color for a plain line of text (ANSI), when color is on.
pub fn paint_text(text: &str, color: Color, style: Style) -> String {
    if !style.color {
        return text.to_string();
    }
    let code = match color {
        Color::Red => 31,
        Color::Green => 32,
        Color::Yellow => 33,
        _ => 0,
    };
    format!("\u{1b}[1;{code}m{text}\u{1b}[0m")
}
