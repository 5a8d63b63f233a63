//! Scenario values computed by hand from MODEL.md, each with its arithmetic.
