//! Export: the topology's "down" condition (MODEL.md §3) as a structural fault tree for other
//! tools. Open-PSA MEF is the format SCRAM and most fault-tree tools read; SCRAM's exact (BDD)
//! top-event probability is an independent check of drplan's unavailability.
//!
//! `fault_tree` expresses §3 as gates over one basic event per component, `circuit` folds and
//! shares those gates and names them, `open_psa` writes the document.

pub mod circuit;
pub mod fault_tree;
pub mod open_psa;

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::OutputArgs;
use crate::model::Model;

pub use open_psa::Sizes;

/// Formats `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Open-PSA Model Exchange Format (XML): a fault tree for SCRAM and other tools.
    OpenPsa,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ExportFormat::OpenPsa)]
    pub format: ExportFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Why the fault tree cannot express a model's "down" exactly, if it cannot. A frozen scale-up
/// (MODEL.md §10.3) is expressed (a tier left with no capacity passes nothing, and a served
/// fraction of 0 is down), provided every user group with a share sends more than the scaling
/// tolerance, 1e-9 of `peak_rps`: a group below it would leave a tier unscaled even with its
/// control planes up, which the tree does not follow. A tree without it would give SCRAM a
/// wrong probability, so none is written.
pub fn unsupported(model: &Model) -> Option<String> {
    if fault_tree::frozen_scaling(model).is_empty() {
        return None;
    }
    let user = model
        .users
        .iter()
        .find(|u| u.share > 0.0 && u.share <= 1e-9)?;
    Some(format!(
        "the fault tree cannot express a frozen scale-up with `users.{}.share` at or below 1e-9 (its load is within the scaling tolerance, MODEL.md §10.3); `drplan analyze` computes the availability with it",
        user.id
    ))
}

/// Writes the Open-PSA fault tree of a validated model; returns its sizes.
pub fn open_psa(model: &Model, w: &mut dyn Write) -> io::Result<Sizes> {
    if let Some(why) = unsupported(model) {
        return Err(io::Error::new(io::ErrorKind::Unsupported, why));
    }
    let tree = fault_tree::build(model);
    open_psa::write(&tree, w)
}
