//! `drplan explain`: one scenario as prose and short tables, every RTO written as the sum of its
//! terms (in words and in seconds) so that a reader can check it by hand.

use std::io::{self, Write};

use comfy_table::{Cell, Color};

use super::Style;
use super::terminal::{new_table, paint_text};
use crate::evaluate::datastore::How;
use crate::evaluate::explain::{Explained, GroupTime, RpoReason, RtoCause, Term, describe};
use crate::evaluate::latency::{Part, Request};
use crate::evaluate::{Engine, Outcome};
use crate::model::units::{Seconds, group_thousands, round_to};
use crate::model::{Failover, Model, Replication};
use crate::scenario::Scenario;

/// Writes the explanation of `scenario` from `file`.
pub fn write(
    engine: &Engine,
    file: &str,
    scenario: &Scenario,
    explained: &Explained,
    out: &mut dyn Write,
    style: Style,
) -> io::Result<()> {
    let m = engine.model();
    let r = &explained.result;
    let e = &explained.explanation;
    writeln!(
        out,
        "Scenario {} ({}) in {file}",
        scenario.id,
        scenario.class.name()
    )?;
    if scenario.failed.is_empty() {
        writeln!(
            out,
            "Nothing fails: a bad change breaks its target until it is rolled back."
        )?;
    } else {
        writeln!(out, "Fails: {}", scenario.failed.join(", "))?;
    }
    writeln!(out)?;
    let (word, color) = match r.outcome {
        Outcome::Up => ("up", Color::Green),
        Outcome::Degraded => ("degraded", Color::Yellow),
        Outcome::Down => ("down", Color::Red),
    };
    writeln!(
        out,
        "After recovery the service is {}, serving {} of requests.",
        paint_text(word, color, style),
        percent_plain(r.served_fraction)
    )?;
    if r.outcome == Outcome::Down {
        let why = if scenario.failed.iter().any(|f| f == "routing")
            || scenario_routing_change(m, scenario)
        {
            "routing failed, so no one reaches any region"
        } else if !r.stuck.is_empty() && r.stuck.len() == m.users.len() {
            "every user group is stuck"
        } else if r.change.is_some() {
            "the bad change broke every instance that serves"
        } else {
            "no region can serve: the entry service, or something it needs, is usable nowhere"
        };
        writeln!(out, "Nothing serves: {why}; everyone waits until the RTO.")?;
    }
    if let (Some(impact), Some(requests)) = (r.impact, r.failed_requests) {
        writeln!(
            out,
            "Impact {} s of user-weighted failed requests ({} requests at peak).",
            secs(impact),
            group_thousands(requests.round() as u64)
        )?;
    }
    if !r.stuck.is_empty() {
        writeln!(
            out,
            "Stuck (routing could not move them, a control plane was down): {}.",
            ids(r.stuck.iter().map(|u| m.users[u.idx()].id.as_str()))
        )?;
    }
    if !r.frozen.is_empty() {
        writeln!(
            out,
            "Frozen (down when a recovery action needed them): {}.",
            ids(r
                .frozen
                .iter()
                .map(|c| m.control_planes[c.idx()].id.as_str()))
        )?;
    }
    writeln!(out)?;
    write_rto(m, r.rto, e, out)?;
    writeln!(out)?;
    write_rpo(m, r.rpo, e, out)?;
    writeln!(out)?;
    write_stores(engine, e, out)?;
    write_groups(engine, explained, out, style)?;
    Ok(())
}

/// "RTO 23m 30s = detection 1m 30s + ..." and the same sum in seconds.
fn write_rto(
    m: &Model,
    rto: Option<f64>,
    e: &crate::evaluate::explain::Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(rto) = rto else {
        let store = e
            .rto_driver
            .as_ref()
            .and_then(|d| d.datastore)
            .map_or("a datastore", |d| m.datastores[d.idx()].id.as_str());
        return writeln!(
            out,
            "RTO unbounded: {store}, which the entry service needs, is lost (corrupted, with no backups in a region that is alive)."
        );
    };
    if e.rto_terms.is_empty() {
        return writeln!(out, "RTO {}: no user group waits.", Seconds(rto));
    }
    let seconds = if e.rto_terms.len() == 1 && rto >= 60.0 {
        format!(" ({} s)", secs(rto))
    } else {
        String::new()
    };
    writeln!(
        out,
        "RTO {}{seconds} = {}",
        Seconds(rto),
        sum_in_words(m, &e.rto_terms)
    )?;
    if e.rto_terms.len() > 1 {
        writeln!(
            out,
            "    in seconds: {} = {}",
            secs(rto),
            e.rto_terms
                .iter()
                .map(|t| secs(t.seconds))
                .collect::<Vec<_>>()
                .join(" + ")
        )?;
    }
    if let Some(d) = &e.rto_driver {
        let who = d
            .user
            .map(|u| format!("user group {}", m.users[u.idx()].id));
        let what = match d.cause {
            RtoCause::Datastore => format!(
                "the recovery of {}, the slowest datastore the entry service needs (every served group waits for it)",
                d.datastore
                    .map_or("", |x| m.datastores[x.idx()].id.as_str())
            ),
            RtoCause::RoutingShift => "a routing shift: the group moved to another region".into(),
            RtoCause::AzLost => {
                "the loss of an AZ holding entry instances in the group's region".into()
            }
            RtoCause::ScaleUp => format!(
                "the scale-up of {} in {}",
                d.service.map_or("", |s| m.services[s.idx()].id.as_str()),
                d.region.map_or("", |r| m.regions[r.idx()].id.as_str())
            ),
            RtoCause::Stuck => {
                "a stuck group waiting for repair (routing could not move it)".into()
            }
            RtoCause::Repair => "the longest repair: nothing serves until then".into(),
            RtoCause::Change => format!(
                "the bad change {} until it is rolled back (T = detect + rollback)",
                d.change.map_or("", |c| m.changes[c.idx()].id.as_str())
            ),
            RtoCause::DatastoreLost => "a lost datastore".into(),
        };
        match who {
            Some(who) => writeln!(out, "Set by {who}: {what}.")?,
            None => writeln!(out, "Set by {what}.")?,
        }
    }
    Ok(())
}

/// The RPO and the store that gave it.
fn write_rpo(
    m: &Model,
    rpo: Option<f64>,
    e: &crate::evaluate::explain::Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(d) = &e.rpo_driver else {
        return writeln!(
            out,
            "RPO {}: no datastore loses writes.",
            Seconds(rpo.unwrap_or(0.0))
        );
    };
    let ds = &m.datastores[d.datastore.idx()];
    let why = match d.reason {
        RpoReason::ReplicationLag => format!(
            "an asynchronous replica was promoted; the writes of its replication lag ({}) are lost",
            Seconds(ds.lag.0)
        ),
        RpoReason::ActiveActiveLag => format!(
            "an active-active member that served users was lost with its last {} of unreplicated writes",
            Seconds(ds.lag.0)
        ),
        RpoReason::Backups => format!(
            "it was restored from backups taken every {}",
            Seconds(ds.backups.as_ref().map_or(0.0, |b| b.interval.0))
        ),
        RpoReason::Corruption => format!(
            "replication copied the corruption everywhere; only backups (every {}) help",
            Seconds(ds.backups.as_ref().map_or(0.0, |b| b.interval.0))
        ),
        RpoReason::Lost => {
            "it was corrupted and has no backups in a region that is alive: its data is lost".into()
        }
    };
    match (rpo, d.loss) {
        (Some(rpo), _) if rpo < 60.0 => {
            writeln!(out, "RPO {}, from {}: {why}.", Seconds(rpo), ds.id)
        }
        (Some(rpo), _) => writeln!(
            out,
            "RPO {} ({} s), from {}: {why}.",
            Seconds(rpo),
            secs(rpo),
            ds.id
        ),
        (None, _) => writeln!(out, "RPO unbounded, from {}: {why}.", ds.id),
    }
}

/// What happened to each datastore that did not simply keep its home.
fn write_stores(
    engine: &Engine,
    e: &crate::evaluate::explain::Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    let m = engine.model();
    let mut lines = Vec::new();
    for (d, rec) in e.recoveries.iter().enumerate() {
        let ds = &m.datastores[d];
        let home = rec
            .homes
            .first()
            .map_or("", |h| m.regions[h.idx()].id.as_str());
        let loss = match rec.loss {
            Some(l) if l > 0.0 => format!(", loses {}", Seconds(l)),
            Some(_) if ds.ephemeral => String::new(),
            Some(_) => ", loses nothing".into(),
            None => ", data lost".into(),
        };
        let text = match rec.how {
            How::Unchanged => continue,
            How::StandbyPromoted => format!(
                "promotes its in-region standby in {home} after {}{loss}",
                Seconds(rec.time)
            ),
            How::ReplicaPromoted => format!(
                "promotes its replica in {home} after {} ({} failover{}){loss}",
                Seconds(rec.time),
                match ds.failover {
                    Failover::Automatic => "automatic",
                    Failover::Manual => "manual",
                },
                if ds.sync {
                    ", synchronous"
                } else {
                    ", asynchronous"
                }
            ),
            How::Elected => format!(
                "elects a new leader in {} after {}{loss}",
                home,
                Seconds(rec.time)
            ),
            How::MembersLost => format!(
                "keeps its alive members ({}){loss}",
                ids(rec.homes.iter().map(|h| m.regions[h.idx()].id.as_str()))
            ),
            How::Restored | How::CorruptionRestored => format!(
                "is restored from backups in {home} after {}{loss}",
                Seconds(rec.time)
            ),
            How::Waits => format!(
                "has no home and waits for repair ({}){loss}",
                Seconds(rec.time)
            ),
            How::Frozen => format!(
                "would recover but a control plane it requires is down: waits for repair ({}){loss}",
                Seconds(rec.time)
            ),
            How::Lost => "is lost: corrupted, no backups in an alive region".to_string(),
        };
        let needed = engine
            .graphs()
            .entry_datastores
            .iter()
            .any(|x| x.idx() == d);
        let note = if needed {
            ""
        } else {
            " (the entry service does not use it)"
        };
        let kind = match &ds.replication {
            Replication::ActiveActive { .. } if ds.sync => "active-active, sync",
            r => r.name(),
        };
        lines.push(format!("  {} [{kind}] {text}{note}", ds.id));
    }
    if !lines.is_empty() {
        writeln!(out, "Datastores")?;
        for l in lines {
            writeln!(out, "{l}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Each user group: where it was served, its time and impact, and its request term by term.
fn write_groups(
    engine: &Engine,
    explained: &Explained,
    out: &mut dyn Write,
    style: Style,
) -> io::Result<()> {
    let m = engine.model();
    let e = &explained.explanation;
    writeln!(out, "User groups")?;
    let mut table = new_table(style);
    table.set_header(vec![
        "group",
        "share",
        "before",
        "after",
        "time t_u",
        "impact i_u",
        "request",
    ]);
    let region = |r: Option<crate::model::RegionIdx>| {
        r.map_or("-".to_string(), |r| m.regions[r.idx()].id.clone())
    };
    for g in &e.groups {
        let request = explained.requests[g.user.idx()]
            .as_ref()
            .map_or("-".to_string(), |q| {
                format!("{} ms", round_to(q.total_ms, 1))
            });
        table.add_row(vec![
            Cell::new(&m.users[g.user.idx()].id),
            Cell::new(percent_plain(m.users[g.user.idx()].share)),
            Cell::new(region(g.before)),
            Cell::new(if g.stuck {
                "stuck".to_string()
            } else {
                region(g.after)
            }),
            Cell::new(
                g.time
                    .map_or("unbounded".into(), |t| Seconds(t).to_string()),
            ),
            Cell::new(
                g.impact
                    .map_or("unbounded".into(), |t| Seconds(t).to_string()),
            ),
            Cell::new(request),
        ]);
    }
    writeln!(out, "{table}")?;
    for g in &e.groups {
        writeln!(out)?;
        let same_as_rto = g.time == explained.result.rto && g.terms == e.rto_terms;
        let request = explained.requests[g.user.idx()].as_ref();
        write_group(m, g, same_as_rto, request, out)?;
    }
    Ok(())
}

fn write_group(
    m: &Model,
    g: &GroupTime,
    same_as_rto: bool,
    request: Option<&Request>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let user = &m.users[g.user.idx()];
    let name = |r: crate::model::RegionIdx| m.regions[r.idx()].id.as_str();
    let place = match (g.before, g.after, g.stuck) {
        (_, _, true) => format!(
            "was served by {} and is stuck: routing could not move it",
            g.before.map_or("-", name)
        ),
        (Some(b), Some(a), _) if a == b => format!("stays in {}", name(a)),
        (Some(b), Some(a), _) => format!("moves from {} to {}", name(b), name(a)),
        (Some(b), None, _) => format!("was served by {} and is served by no region", name(b)),
        (None, _, _) => "was served by no region".to_string(),
    };
    writeln!(
        out,
        "{} ({} of users) {place}.",
        user.id,
        percent_plain(user.share)
    )?;
    if g.time == Some(0.0) && g.impact == Some(0.0) {
        writeln!(out, "  Unaffected: it waits 0 s and loses no requests.")?;
        return write_request(m, request, out);
    }
    match g.time {
        None => writeln!(out, "  Back: never (a datastore it needs is lost).")?,
        Some(t) if g.terms.is_empty() => {
            writeln!(out, "  Back after {}: it does not wait.", Seconds(t))?
        }
        Some(t) if same_as_rto => writeln!(out, "  Back after {}: the RTO above.", Seconds(t))?,
        Some(t) => writeln!(
            out,
            "  Back after {} = {}.",
            Seconds(t),
            sum_in_words(m, &g.terms)
        )?,
    }
    if !g.shift.is_empty() && g.cause != Some(RtoCause::RoutingShift) {
        let total = g.shift.iter().map(|t| t.seconds).fold(0.0, |a, b| a + b);
        writeln!(
            out,
            "  Routing moved it after {} = {}; it then waited for the rest.",
            Seconds(total),
            sum_in_words(m, &g.shift)
        )?;
    }
    if let Some(i) = g.impact {
        writeln!(
            out,
            "  Impact i_u {} s; x its share {} = {} s of the scenario's impact.",
            secs(i),
            round_to(user.share, 4),
            secs(user.share * i)
        )?;
    }
    write_request(m, request, out)
}

/// "Request 85.2 ms = 70 ms from the users to us-west + ...".
fn write_request(m: &Model, request: Option<&Request>, out: &mut dyn Write) -> io::Result<()> {
    let name = |r: crate::model::RegionIdx| m.regions[r.idx()].id.as_str();
    if let Some(q) = request {
        let mut parts = vec![format!(
            "{} ms from the users to {}",
            round_to(q.rtt_ms, 1),
            name(q.region)
        )];
        for p in &q.parts {
            parts.push(match p {
                Part::Service {
                    service,
                    region,
                    rtt_ms,
                } => format!(
                    "{} ms to call {} in {}",
                    round_to(*rtt_ms, 1),
                    m.services[service.idx()].id,
                    name(*region)
                ),
                Part::Datastore {
                    datastore,
                    home,
                    rtt_ms,
                    commit_ms,
                } => {
                    let ds = &m.datastores[datastore.idx()].id;
                    let reach = if *rtt_ms == 0.0 {
                        format!("0 ms to {ds} in {} (same region)", name(*home))
                    } else {
                        format!("{} ms to {ds} in {}", round_to(*rtt_ms, 1), name(*home))
                    };
                    if *commit_ms > 0.0 {
                        format!("{reach} + {} ms to commit", round_to(*commit_ms, 1))
                    } else {
                        reach
                    }
                }
            });
        }
        writeln!(
            out,
            "  Request {} ms = {}.",
            round_to(q.total_ms, 1),
            parts.join(" + ")
        )?;
    }
    Ok(())
}

/// "detection 1m 30s + manual decision for orders-db 20m + ...".
fn sum_in_words(m: &Model, terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| format!("{} {}", describe(m, t), Seconds(t.seconds)))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Seconds as a plain number (up to three decimals).
fn secs(x: f64) -> String {
    round_to(x, 3)
}

/// A share or served fraction as a percentage (two decimals at most).
fn percent_plain(x: f64) -> String {
    format!("{}%", round_to(x * 100.0, 2))
}

fn ids<'a>(list: impl Iterator<Item = &'a str>) -> String {
    list.collect::<Vec<_>>().join(", ")
}

/// Whether the scenario is a bad change to routing (§11.3).
fn scenario_routing_change(m: &Model, scenario: &Scenario) -> bool {
    scenario
        .failure
        .change
        .is_some_and(|c| m.changes[c.change.idx()].target == crate::model::ChangeTarget::Routing)
}
