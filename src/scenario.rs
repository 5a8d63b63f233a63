//! Stage 4: the failure scenarios to evaluate (MODEL.md §2).

use crate::evaluate::{Engine, Failure};
use crate::model::{Class, FailItem, Model};

/// One scenario: its id, class, what fails, and the failure as the engine takes it.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub id: String,
    pub class: Class,
    /// Ids of what fails (component ids and `corruption:<store>`), sorted by bytes.
    pub failed: Vec<String>,
    pub failure: Failure,
}

/// Every single-component scenario, every corruption scenario and every custom scenario,
/// sorted by id (bytes).
pub fn standard(engine: &Engine) -> Vec<Scenario> {
    let model = engine.model();
    let mut out = Vec::new();
    for (i, c) in engine.components().iter().enumerate() {
        let id = model.component_id(*c);
        out.push(Scenario {
            id: id.clone(),
            class: Model::component_class(*c),
            failed: vec![id],
            failure: Failure {
                components: vec![i],
                corrupted: Vec::new(),
            },
        });
    }
    for (i, ds) in model.datastores.iter().enumerate() {
        let id = format!("corruption:{}", ds.id);
        out.push(Scenario {
            id: id.clone(),
            class: Class::Corruption,
            failed: vec![id],
            failure: Failure {
                components: Vec::new(),
                corrupted: vec![i.into()],
            },
        });
    }
    for custom in &model.scenarios {
        let mut failure = Failure::default();
        for item in &custom.fail {
            match item {
                FailItem::Component(c) => failure.components.push(engine.component_index(*c)),
                FailItem::Corruption(d) => failure.corrupted.push(*d),
            }
        }
        let mut failed: Vec<String> = custom.fail.iter().map(|f| model.fail_item_id(*f)).collect();
        failed.sort();
        out.push(Scenario {
            id: custom.name.clone(),
            class: Class::Custom,
            failed,
            failure,
        });
    }
    out.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    out
}
