//! Importers: infrastructure descriptions from other tools -> drplan topology text (YAML).
//!
//! An importer never builds the internal model itself: it writes a topology file, which the
//! ordinary loader and validator then check, so that an imported topology means exactly what the
//! same text typed by hand would mean.

pub mod terraform;
