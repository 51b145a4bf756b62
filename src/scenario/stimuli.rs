//! Stimuli: background signals that scenario files put on input pins, and their expansion into
//! timed drive changes.
//!
//! A [`StimulusSpec`] is the validated description (from `stimuli:` in the file). A
//! [`StimulusStream`] turns it into [`StimulusEdge`]s **lazily**, in non-decreasing time order,
//! so an endless square wave costs O(1) memory however long the run: `sim` keeps one pending
//! edge per stimulus in its event queue and pulls the next when it fires. [`expand`] collects a
//! bounded prefix, for tests, previews and snapshots.
//!
//! Randomness: each stimulus draws from its own stream, `root.fork(spec.stream_id)`, where the
//! stream id is a hash of the stimulus name. Adding, removing or reordering other stimuli
//! therefore never changes this one's edges; only its own name, parameters and the seed do.
//!
//! Stimuli only say what the outside world does to a pad ([`Drive`]); what level the pad then
//! has depends on the pin's mode and pull and is decided by `hw::gpio`.

use std::collections::{BTreeSet, VecDeque};

use crate::hw::gpio::{Drive, Level, PinId};
use crate::rng::Rng;
use crate::time::SimTime;

/// The most bounces per press or release (each is two edges).
pub const MAX_BOUNCES: u32 = 1_000;

/// The most explicit edges in one `edges:` list.
pub const MAX_EXPLICIT_EDGES: usize = 100_000;

/// The most edges [`expand`] collects; longer expansions are cut off (and say so).
pub const MAX_EXPANDED_EDGES: usize = 1_000_000;

/// One change of what the outside world does to a pad.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StimulusEdge {
    /// When.
    pub at: SimTime,
    /// The new drive.
    pub drive: Drive,
}

/// A validated stimulus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StimulusSpec {
    /// The stimulus name (given, or `pin N`, `pin N #2`, ... when not).
    pub name: String,
    /// The pad it drives.
    pub pin: PinId,
    /// The RNG stream: [`crate::rng::stream_id`] of the name.
    pub stream_id: u64,
    /// What it generates.
    pub kind: StimulusKind,
}

/// The generators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StimulusKind {
    /// Explicit edges, in non-decreasing time order.
    Edges(Vec<StimulusEdge>),
    /// A square wave.
    Square(SquareWave),
    /// A push button with contact bounce.
    Button(Button),
    /// Periodic pulses, each displaced by a seeded uniform jitter.
    Jittered(JitteredPulses),
    /// Pulses (or toggles) at Poisson-distributed times.
    Poisson(PoissonPulses),
}

/// Square wave: low from `start`, rising at `start + phase_ns + k * period_ns`, falling
/// `high_ns` later; back to low at `stop`.
///
/// Invariant: `0 < high_ns < period_ns`, `phase_ns < period_ns`, `stop > start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SquareWave {
    /// Full period.
    pub period_ns: u64,
    /// Time high per period.
    pub high_ns: u64,
    /// Delay of the first rising edge after `start`.
    pub phase_ns: u64,
    /// When the generator begins.
    pub start: SimTime,
    /// When it ends (no edges at or after, except the return to low at `stop`).
    pub stop: Option<SimTime>,
}

/// Push button: drives `active` at `press` and `idle` at `release`; after each, the contact
/// bounces `n_bounces` times (back to the previous drive and again) at seeded random instants
/// strictly inside `(t, t + bounce_window_ns)`.
///
/// Invariant: `n_bounces <= MAX_BOUNCES`; if bouncing, `bounce_window_ns > 2 * n_bounces`;
/// `release > press + bounce_window_ns`; `active != idle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Button {
    /// Press instant.
    pub press: SimTime,
    /// Release instant, if released.
    pub release: Option<SimTime>,
    /// Bounces after the press and after the release.
    pub n_bounces: u32,
    /// The window the bounces fall in.
    pub bounce_window_ns: u64,
    /// Drive while pressed.
    pub active: Drive,
    /// Drive while released.
    pub idle: Drive,
}

/// Jittered pulses: idle from `start`; pulse k (k = 1, 2, ...) rises at
/// `start + k * period_ns + u` with `u` uniform in `[-jitter_ns, +jitter_ns]` and lasts
/// `width_ns`.
///
/// Invariant: `width_ns > 0`, `2 * jitter_ns + width_ns < period_ns` (pulses never overlap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitteredPulses {
    /// Nominal period.
    pub period_ns: u64,
    /// Maximum displacement either way.
    pub jitter_ns: u64,
    /// Pulse width.
    pub width_ns: u64,
    /// Pulse level; the idle level is the other one.
    pub active: Level,
    /// When the generator begins.
    pub start: SimTime,
    /// When it ends.
    pub stop: Option<SimTime>,
}

/// Poisson arrivals: idle from `start`; gaps are exponential with mean `mean_interval_ns`
/// (at least 1 ns). With `width_ns`, each arrival is a pulse and the next gap is measured from
/// the pulse's end; without, each arrival toggles between active and idle.
///
/// Invariant: `mean_interval_ns > 0`; `width_ns`, if given, `> 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoissonPulses {
    /// Mean gap between arrivals.
    pub mean_interval_ns: u64,
    /// Pulse width, or `None` to toggle.
    pub width_ns: Option<u64>,
    /// Pulse level; the idle level is the other one.
    pub active: Level,
    /// When the generator begins.
    pub start: SimTime,
    /// When it ends.
    pub stop: Option<SimTime>,
}

/// The lazy edge generator of one stimulus. Yields edges in non-decreasing time order and
/// ends after `stop` (or never, for unbounded generators: bound it by time).
#[derive(Clone, Debug)]
pub struct StimulusStream {
    generator: Generator,
    rng: Rng,
    /// Edges computed but not yet yielded. Invariant: at most 2 (one pulse) for the endless
    /// generators; `Edges` and `Button` put all their edges here at the start (bounded by
    /// [`MAX_EXPLICIT_EDGES`] and [`MAX_BOUNCES`]).
    ready: VecDeque<StimulusEdge>,
    stop: Option<SimTime>,
    idle: Drive,
    /// The last drive yielded (to know whether `stop` must return to idle).
    current: Option<Drive>,
    finished: bool,
}

#[derive(Clone, Debug)]
enum Generator {
    Fixed,
    Square {
        wave: SquareWave,
        n_cycle: u64,
    },
    Jittered {
        pulses: JitteredPulses,
        n_pulse: u64,
    },
    Poisson {
        pulses: PoissonPulses,
        t: SimTime,
        high: bool,
    },
}

impl StimulusStream {
    /// The stream of `spec`, drawing from `root.fork(spec.stream_id)`.
    pub fn new(spec: &StimulusSpec, root: &Rng) -> StimulusStream {
        let mut rng = root.fork(spec.stream_id);
        let (generator, ready, stop, idle) = match &spec.kind {
            StimulusKind::Edges(edges) => (Generator::Fixed, edges.clone(), None, Drive::Float),
            StimulusKind::Button(button) => (
                Generator::Fixed,
                button_edges(button, &mut rng),
                None,
                button.idle,
            ),
            StimulusKind::Square(wave) => {
                let ready = if wave.phase_ns > 0 {
                    vec![edge(wave.start, Drive::Low)]
                } else {
                    vec![]
                };
                (
                    Generator::Square {
                        wave: *wave,
                        n_cycle: 0,
                    },
                    ready,
                    wave.stop,
                    Drive::Low,
                )
            }
            StimulusKind::Jittered(pulses) => {
                let idle = other(pulses.active);
                let generator = Generator::Jittered {
                    pulses: *pulses,
                    n_pulse: 0,
                };
                (generator, vec![edge(pulses.start, idle)], pulses.stop, idle)
            }
            StimulusKind::Poisson(pulses) => {
                let idle = other(pulses.active);
                let generator = Generator::Poisson {
                    pulses: *pulses,
                    t: pulses.start,
                    high: false,
                };
                (generator, vec![edge(pulses.start, idle)], pulses.stop, idle)
            }
        };
        StimulusStream {
            generator,
            rng,
            ready: ready.into(),
            stop,
            idle,
            current: None,
            finished: false,
        }
    }

    /// Refills `ready` with the generator's next pulse; false when the generator is exhausted.
    fn refill(&mut self) -> bool {
        let rng = &mut self.rng;
        let next: Option<Vec<StimulusEdge>> = match &mut self.generator {
            Generator::Fixed => None,
            Generator::Square { wave, n_cycle } => {
                let rise = wave
                    .start
                    .as_ns()
                    .checked_add(wave.phase_ns)
                    .and_then(|t| t.checked_add(wave.period_ns.checked_mul(*n_cycle)?));
                *n_cycle += 1;
                rise.and_then(|rise| pulse(rise, wave.high_ns, Drive::High, Drive::Low))
            }
            Generator::Jittered { pulses, n_pulse } => {
                *n_pulse += 1;
                let nominal = pulses
                    .period_ns
                    .checked_mul(*n_pulse)
                    .and_then(|d| pulses.start.as_ns().checked_add(d));
                let offset = rng.range_inclusive(0, 2 * pulses.jitter_ns);
                // Cannot underflow: nominal >= start + period > jitter (invariant).
                let rise = nominal
                    .and_then(|n| n.checked_add(offset))
                    .and_then(|n| n.checked_sub(pulses.jitter_ns));
                rise.and_then(|rise| {
                    pulse(
                        rise,
                        pulses.width_ns,
                        pulses.active.into(),
                        other(pulses.active),
                    )
                })
            }
            Generator::Poisson { pulses, t, high } => poisson_next(pulses, t, high, rng),
        };
        match next {
            Some(edges) => {
                self.ready.extend(edges);
                true
            }
            None => false,
        }
    }
}

impl Iterator for StimulusStream {
    type Item = StimulusEdge;

    fn next(&mut self) -> Option<StimulusEdge> {
        if self.finished {
            return None;
        }
        if self.ready.is_empty() && !self.refill() {
            self.finished = true;
            return None;
        }
        let edge = self.ready.pop_front()?;
        if let Some(stop) = self.stop.filter(|&stop| edge.at >= stop) {
            self.finished = true;
            let must_return = self.current.is_some_and(|d| d != self.idle);
            return must_return.then_some(StimulusEdge {
                at: stop,
                drive: self.idle,
            });
        }
        self.current = Some(edge.drive);
        Some(edge)
    }
}

/// The first `MAX_EXPANDED_EDGES` edges of `spec` at or before `until`, using
/// `root.fork(spec.stream_id)`. The bool is true if the limit cut the expansion short.
pub fn expand(spec: &StimulusSpec, root: &Rng, until: SimTime) -> (Vec<StimulusEdge>, bool) {
    let mut stream = StimulusStream::new(spec, root).take_while(|e| e.at <= until);
    let edges: Vec<StimulusEdge> = stream.by_ref().take(MAX_EXPANDED_EDGES).collect();
    let truncated = edges.len() == MAX_EXPANDED_EDGES && stream.next().is_some();
    (edges, truncated)
}

/// An edge to `drive` at `at`.
fn edge(at: SimTime, drive: Drive) -> StimulusEdge {
    StimulusEdge { at, drive }
}

fn other(level: Level) -> Drive {
    match level {
        Level::Low => Drive::High,
        Level::High => Drive::Low,
    }
}

/// A pulse from `rise` lasting `width_ns`; `None` if its end overflows time.
fn pulse(rise: u64, width_ns: u64, active: Drive, idle: Drive) -> Option<Vec<StimulusEdge>> {
    let fall = rise.checked_add(width_ns)?;
    Some(vec![
        StimulusEdge {
            at: SimTime(rise),
            drive: active,
        },
        StimulusEdge {
            at: SimTime(fall),
            drive: idle,
        },
    ])
}

/// The next Poisson pulse or toggle after `t`; advances `t` (and `high` when toggling).
fn poisson_next(
    pulses: &PoissonPulses,
    t: &mut SimTime,
    high: &mut bool,
    rng: &mut Rng,
) -> Option<Vec<StimulusEdge>> {
    let gap_ns = rng.exponential(pulses.mean_interval_ns).max(1);
    let arrival = t.as_ns().checked_add(gap_ns)?;
    let (active, idle) = (Drive::from(pulses.active), other(pulses.active));
    match pulses.width_ns {
        Some(width_ns) => {
            let edges = pulse(arrival, width_ns, active, idle)?;
            *t = edges[1].at;
            Some(edges)
        }
        None => {
            *t = SimTime(arrival);
            *high = !*high;
            Some(vec![StimulusEdge {
                at: *t,
                drive: if *high { active } else { idle },
            }])
        }
    }
}

/// All edges of a button press and release, bounces included.
fn button_edges(button: &Button, rng: &mut Rng) -> Vec<StimulusEdge> {
    let mut edges = Vec::new();
    let mut transition = |at: SimTime, to: Drive, from: Drive, edges: &mut Vec<StimulusEdge>| {
        edges.push(StimulusEdge { at, drive: to });
        let offsets = bounce_offsets(rng, button.n_bounces, button.bounce_window_ns);
        for (i, offset_ns) in offsets.into_iter().enumerate() {
            let drive = if i % 2 == 0 { from } else { to };
            edges.push(StimulusEdge {
                at: SimTime(at.as_ns() + offset_ns),
                drive,
            });
        }
    };
    transition(button.press, button.active, button.idle, &mut edges);
    if let Some(release) = button.release {
        transition(release, button.idle, button.active, &mut edges);
    }
    edges
}

/// `2 * n_bounces` distinct sorted offsets strictly inside `(0, window_ns)` (Floyd's sampling
/// of distinct values, so the cost does not depend on how crowded the window is).
fn bounce_offsets(rng: &mut Rng, n_bounces: u32, window_ns: u64) -> Vec<u64> {
    let n_offsets = 2 * u64::from(n_bounces);
    if n_offsets == 0 {
        return Vec::new();
    }
    let n_slots = window_ns - 1; // offsets 1..=window_ns-1
    assert!(
        n_slots >= n_offsets,
        "bounce window too small (validated in convert)"
    );
    let mut chosen = BTreeSet::new();
    for j in (n_slots - n_offsets)..n_slots {
        let t = rng.below(j + 1);
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().map(|slot| slot + 1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream_id;
    use crate::time::SimDuration;
    use std::fmt::Write as _;

    fn spec(name: &str, kind: StimulusKind) -> StimulusSpec {
        StimulusSpec {
            name: name.to_owned(),
            pin: PinId::new(4).unwrap(),
            stream_id: stream_id(name),
            kind,
        }
    }

    fn us(n: u64) -> SimTime {
        SimTime(n * 1_000)
    }

    fn listing(edges: &[StimulusEdge]) -> String {
        let mut out = String::new();
        for e in edges {
            let level = match e.drive {
                Drive::Low => "0",
                Drive::High => "1",
                Drive::Float => "z",
            };
            writeln!(out, "{} {level}", e.at).unwrap();
        }
        out
    }

    fn all_kinds() -> Vec<StimulusSpec> {
        vec![
            spec(
                "square",
                StimulusKind::Square(SquareWave {
                    period_ns: 1_000_000,
                    high_ns: 250_000,
                    phase_ns: 100_000,
                    start: us(0),
                    stop: Some(us(3_200)),
                }),
            ),
            spec(
                "button",
                StimulusKind::Button(Button {
                    press: us(1_000),
                    release: Some(us(5_000)),
                    n_bounces: 3,
                    bounce_window_ns: 500_000,
                    active: Drive::Low,
                    idle: Drive::Float,
                }),
            ),
            spec(
                "jittered",
                StimulusKind::Jittered(JitteredPulses {
                    period_ns: 1_000_000,
                    jitter_ns: 100_000,
                    width_ns: 50_000,
                    active: Level::High,
                    start: us(0),
                    stop: None,
                }),
            ),
            spec(
                "poisson",
                StimulusKind::Poisson(PoissonPulses {
                    mean_interval_ns: 700_000,
                    width_ns: Some(20_000),
                    active: Level::Low,
                    start: us(0),
                    stop: None,
                }),
            ),
            spec(
                "toggles",
                StimulusKind::Poisson(PoissonPulses {
                    mean_interval_ns: 700_000,
                    width_ns: None,
                    active: Level::High,
                    start: us(500),
                    stop: Some(us(4_000)),
                }),
            ),
        ]
    }

    // The expansion of every generator for seed 7 is pinned by a golden file.
    #[test]
    fn expanded_stimuli_for_seed_7() {
        let root = Rng::from_seed(7);
        let mut out = String::new();
        for s in all_kinds() {
            let (edges, truncated) = expand(&s, &root, us(6_000));
            assert!(!truncated);
            writeln!(out, "# {}\n{}", s.name, listing(&edges)).unwrap();
        }
        insta::assert_snapshot!(out);
    }

    // Edges come in non-decreasing time order and expansion is repeatable.
    #[test]
    fn streams_are_ordered_and_deterministic() {
        for seed in 0..20 {
            let root = Rng::from_seed(seed);
            for s in all_kinds() {
                let (a, _) = expand(&s, &root, us(50_000));
                let (b, _) = expand(&s, &root, us(50_000));
                assert_eq!(a, b);
                assert!(
                    a.windows(2).all(|w| w[0].at <= w[1].at),
                    "{} seed {seed}",
                    s.name
                );
            }
        }
    }

    // A stimulus's edges depend on its name, not on the other stimuli.
    #[test]
    fn stimuli_do_not_disturb_each_other() {
        let root = Rng::from_seed(1);
        let kinds = all_kinds();
        let alone = expand(&kinds[2], &root, us(20_000));
        for other in &kinds {
            let _ = expand(other, &root, us(20_000));
        }
        assert_eq!(expand(&kinds[2], &root, us(20_000)), alone);
        let mut renamed = kinds[2].clone();
        renamed.stream_id = stream_id("other name");
        assert_ne!(expand(&renamed, &root, us(20_000)), alone);
    }

    // A button with bounces ends pressed after the press window and idle after the release.
    #[test]
    fn button_bounces_settle() {
        let root = Rng::from_seed(3);
        for n_bounces in [0, 1, 5, 20] {
            let button = Button {
                press: us(100),
                release: Some(us(300)),
                n_bounces,
                bounce_window_ns: 41_000,
                active: Drive::Low,
                idle: Drive::High,
            };
            let (edges, _) = expand(&spec("b", StimulusKind::Button(button)), &root, us(1_000));
            assert_eq!(edges.len(), 2 + 4 * n_bounces as usize);
            let during_press: Vec<_> = edges.iter().filter(|e| e.at < us(300)).collect();
            assert_eq!(during_press.last().unwrap().drive, Drive::Low);
            assert!(during_press.iter().all(|e| e.at < us(141)));
            assert_eq!(edges.last().unwrap().drive, Drive::High);
        }
        // A crowded window still yields distinct instants.
        let mut rng = Rng::from_seed(0);
        assert_eq!(
            bounce_offsets(&mut rng, 5, 11),
            (1..=10).collect::<Vec<_>>()
        );
    }

    // Jitter stays within bounds, and stop returns a high square wave to low.
    #[test]
    fn jitter_bounds_and_stop() {
        let root = Rng::from_seed(5);
        let pulses = JitteredPulses {
            period_ns: 1_000,
            jitter_ns: 300,
            width_ns: 100,
            active: Level::High,
            start: SimTime(0),
            stop: None,
        };
        let (edges, _) = expand(
            &spec("j", StimulusKind::Jittered(pulses)),
            &root,
            SimTime(1_000_000),
        );
        for (k, rise) in edges.iter().filter(|e| e.drive == Drive::High).enumerate() {
            let nominal = (k as u64 + 1) * 1_000;
            assert!(rise.at.as_ns().abs_diff(nominal) <= 300);
        }
        let wave = SquareWave {
            period_ns: 100,
            high_ns: 50,
            phase_ns: 0,
            start: SimTime(0),
            stop: Some(SimTime(120)),
        };
        let (edges, _) = expand(
            &spec("s", StimulusKind::Square(wave)),
            &root,
            SimTime(1_000),
        );
        let expected = [
            (0, Drive::High),
            (50, Drive::Low),
            (100, Drive::High),
            (120, Drive::Low),
        ];
        assert_eq!(
            edges,
            expected.map(|(at, drive)| StimulusEdge {
                at: SimTime(at),
                drive
            })
        );
    }

    // The Poisson generator's mean gap matches the spec.
    #[test]
    fn poisson_mean_gap() {
        let root = Rng::from_seed(9);
        let pulses = PoissonPulses {
            mean_interval_ns: 10_000,
            width_ns: None,
            active: Level::High,
            start: SimTime(0),
            stop: None,
        };
        let until = SimTime(0) + SimDuration::from_ms(100);
        let (edges, _) = expand(&spec("p", StimulusKind::Poisson(pulses)), &root, until);
        let n_toggles = edges.len() as u64 - 1;
        assert!((9_500..10_500).contains(&n_toggles), "{n_toggles}");
    }
}
