//! DTOs (`file.rs`) to the validated [`Scenario`], by hand, with located errors.
//!
//! Each `convert_*` function takes the DTO and its [`YamlPath`]; a failed check becomes a
//! [`ScenarioError`] located by re-finding that path in the text ([`locate`]). Checks are
//! ordered as the file reads, and the first problem is reported.

use std::path::Path;

use super::file::{
    ButtonDto, CountBoundDto, DurationText, EdgeDto, ExpectDto, IrqExpectDto, JitteredDto,
    PoissonDto, ProgramDto, ScenarioFile, SquareDto, StepDto, StimulusDto, VaryDto,
};
use super::locate::{Target, YamlPath, locate};
use super::stimuli::{
    Button, JitteredPulses, MAX_BOUNCES, MAX_EXPLICIT_EDGES, PoissonPulses, SquareWave,
    StimulusEdge, StimulusKind, StimulusSpec,
};
use super::{
    CountBound, DEFAULT_TIMEOUT, Expect, IrqExpect, IrqSource, MAX_PROGRAM_BYTES, MAX_STEPS,
    MAX_STIMULI, Origin, Program, ProgramOrigin, Scenario, ScenarioError, ScenarioErrorKind, Step,
    StepKind, TaskExpect, read_limited_bytes,
};
use crate::hw::BoardKind;
use crate::hw::gpio::{Drive, Level, PinId};
use crate::hw::timer::N_HARDWARE_TIMERS;
use crate::rng::stream_id;
use crate::time::{SimDuration, SimTime};

type Result<T> = std::result::Result<T, ScenarioError>;

/// The text being converted and where it came from.
struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
    /// The scenario's board (which timers exist).
    board: BoardKind,
}

impl Ctx<'_> {
    /// An error at the node `at` (its key if `target` says so), prefixed by its YAML path.
    fn error(
        &self,
        at: &YamlPath,
        target: Target,
        kind: ScenarioErrorKind,
        message: &str,
    ) -> ScenarioError {
        // Fall back to the nearest ancestor that can be found (e.g. for a missing key).
        let mut probe = at.clone();
        let (line, col) = loop {
            if let Some(found) = locate(self.text, &probe, target) {
                break found;
            }
            if probe.0.pop().is_none() {
                break (1, 1);
            }
        };
        let message = if at.0.is_empty() {
            message.to_owned()
        } else {
            format!("{at}: {message}")
        };
        ScenarioError {
            path: self.path.to_owned(),
            line,
            col,
            kind,
            message,
        }
    }

    fn invalid(&self, at: &YamlPath, message: &str) -> ScenarioError {
        self.error(at, Target::Value, ScenarioErrorKind::Invalid, message)
    }

    /// Turns a serde_norway error into ours: its location, its message without the location.
    fn yaml_error(&self, error: &serde_norway::Error) -> ScenarioError {
        let (line, col) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
        let full = error.to_string();
        let kind = if is_syntax_error(&full) {
            ScenarioErrorKind::Syntax
        } else {
            ScenarioErrorKind::Schema
        };
        let message = strip_marks(&full);
        ScenarioError {
            path: self.path.to_owned(),
            line,
            col,
            kind,
            message,
        }
    }
}

/// Removes every ` at line L column C` from a serde_norway message (we print the location
/// once, in front).
fn strip_marks(message: &str) -> String {
    const AT_LINE: &str = " at line ";
    let digits = |c: char| c.is_ascii_digit();
    let mut out = String::new();
    let mut rest = message;
    while let Some(start) = rest.find(AT_LINE) {
        out.push_str(&rest[..start]);
        let after = rest[start + AT_LINE.len()..].trim_start_matches(digits);
        match after.strip_prefix(" column ") {
            Some(tail) => rest = tail.trim_start_matches(digits),
            None => {
                out.push_str(AT_LINE);
                rest = &rest[start + AT_LINE.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// libyaml's scanner and parser messages (the errors that mean "this is not YAML at all").
fn is_syntax_error(message: &str) -> bool {
    [
        "while scanning",
        "while parsing",
        "did not find expected",
        "found character",
        "could not find expected",
        "found unexpected",
        "mapping values are not allowed",
        "found undefined tag",
        "control characters are not allowed",
        "invalid leading UTF-8",
        "incomplete UTF-8",
        "invalid trailing UTF-8",
        "invalid Unicode",
    ]
    .iter()
    .any(|fragment| message.contains(fragment))
}

/// Parses and validates a whole scenario (see [`Scenario::parse`]).
/// Refuses a file that nests deeper than the YAML parser should be asked to go.
fn check_depth(text: &str, path: &Path) -> Result<()> {
    match super::depth::too_deep(text) {
        None => Ok(()),
        Some((line, col)) => Err(ScenarioError {
            path: path.to_path_buf(),
            line,
            col,
            kind: ScenarioErrorKind::Syntax,
            message: format!(
                "nested deeper than {} levels (a limit of irqlab's)",
                super::depth::MAX_YAML_DEPTH
            ),
        }),
    }
}

pub(super) fn parse(text: &str, path: &Path) -> Result<Scenario> {
    let mut ctx = Ctx {
        text,
        path,
        board: BoardKind::Esp32,
    };
    if text.trim().is_empty() {
        let message = "the scenario is empty; it needs at least `name` and `version: 1`";
        return Err(ctx.error(
            &YamlPath::root(),
            Target::Value,
            ScenarioErrorKind::Schema,
            message,
        ));
    }
    check_depth(text, path)?;
    let dto: ScenarioFile = serde_norway::from_str(text).map_err(|e| ctx.yaml_error(&e))?;
    let root = YamlPath::root();
    if dto.version != 1 {
        let message = format!(
            "unsupported version {}; this irqlab reads version 1",
            dto.version
        );
        return Err(ctx.invalid(&root.key("version"), &message));
    }
    let board = convert_board(&ctx, dto.board.as_deref())?;
    ctx.board = board;
    let timeout = match dto.timeout {
        None => DEFAULT_TIMEOUT,
        Some(DurationText(d)) if d == SimDuration::ZERO => {
            return Err(ctx.invalid(&root.key("timeout"), "the timeout must be longer than 0"));
        }
        Some(DurationText(d)) => d,
    };
    let program = dto.program.map(|p| convert_program(&ctx, p)).transpose()?;
    let stimuli = convert_stimuli(&ctx, &dto.stimuli)?;
    let source_names = convert_source_names(&ctx, &dto.sources.0, &stimuli)?;
    let steps = convert_steps(&ctx, &dto.steps)?;
    let expect = match dto.expect {
        Some(expect) => convert_expect(&ctx, expect, &source_names)?,
        None => Expect::default(),
    };
    let vary = match &dto.vary {
        Some(v) => convert_vary(&ctx, v, timeout)?,
        None => crate::rt::Vary::default(),
    };
    Ok(Scenario {
        name: dto.name,
        author: dto.author,
        description: dto.description,
        board,
        seed: dto.seed.unwrap_or(0),
        timeout,
        program,
        source_names,
        stimuli,
        steps,
        expect,
        vary,
        origin: Origin {
            path: path.to_owned(),
            text: text.to_owned(),
        },
    })
}

/// `board:` (esp32 when absent).
fn convert_board(ctx: &Ctx<'_>, name: Option<&str>) -> Result<BoardKind> {
    let Some(name) = name else {
        return Ok(BoardKind::Esp32);
    };
    BoardKind::from_name(name).ok_or_else(|| {
        let known = BoardKind::NAMES.join(", ");
        ctx.invalid(
            &YamlPath::root().key("board"),
            &format!("unknown board `{name}`; irqlab models: {known}"),
        )
    })
}

/// The largest `vary: irq-jitter`: interrupt entry varies by cycles to microseconds on real
/// chips; a millisecond is already a masked section, not jitter.
pub const MAX_IRQ_JITTER: SimDuration = SimDuration::from_ms(1);

fn convert_vary(ctx: &Ctx, dto: &VaryDto, timeout: SimDuration) -> Result<crate::rt::Vary> {
    let root = YamlPath::root().key("vary");
    if let Some(DurationText(d)) = dto.irq_jitter
        && d > MAX_IRQ_JITTER
    {
        return Err(ctx.invalid(
            &root.key("irq-jitter"),
            &format!("{d} is more than the largest ISR entry jitter, {MAX_IRQ_JITTER}"),
        ));
    }
    if let Some(DurationText(d)) = dto.start
        && d >= timeout
    {
        return Err(ctx.invalid(
            &root.key("start"),
            &format!(
                "{d} is not shorter than the timeout ({timeout}): the program would never start"
            ),
        ));
    }
    Ok(crate::rt::Vary {
        timer_phase: dto.timer_phase.unwrap_or(false),
        irq_jitter: dto.irq_jitter.map(|d| d.0),
        start: dto.start.map(|d| d.0),
    })
}

fn convert_program(ctx: &Ctx, dto: ProgramDto) -> Result<Program> {
    let written = match dto {
        ProgramDto::Inline(source) => {
            return Ok(Program {
                origin: ProgramOrigin::Inline,
                source,
            });
        }
        ProgramDto::Path(written) => written,
    };
    let at = YamlPath::root().key("program");
    let base = ctx.path.parent().unwrap_or(Path::new(""));
    let file = base.join(&written);
    let bytes = read_limited_bytes(&file, MAX_PROGRAM_BYTES).map_err(|why| {
        let message = format!("cannot read `{}`: {why}", file.display());
        ctx.error(&at, Target::Value, ScenarioErrorKind::Program, &message)
    })?;
    // Not UTF-8: the error is in the program file, at the first byte that is not.
    match crate::py::parse::decode_source(&bytes, &file.to_string_lossy()) {
        Ok(source) => Ok(Program {
            origin: ProgramOrigin::File(file),
            source,
        }),
        Err(d) => Err(ScenarioError {
            line: d.line as usize,
            col: d.col as usize,
            kind: ScenarioErrorKind::Program,
            message: format!("SyntaxError: {}", d.detail.as_deref().unwrap_or(&d.message)),
            path: file,
        }),
    }
}

fn pin(ctx: &Ctx, at: &YamlPath, number: i64) -> Result<PinId> {
    PinId::new(number).map_err(|_| {
        let message = format!("no GPIO {number} on the ESP32 (valid: 0-19, 21-23, 25-27, 32-39)");
        ctx.invalid(at, &message)
    })
}

fn at_time(DurationText(d): DurationText) -> SimTime {
    SimTime::ZERO + d
}

fn positive_ns(ctx: &Ctx, at: &YamlPath, DurationText(d): DurationText) -> Result<u64> {
    if d == SimDuration::ZERO {
        return Err(ctx.invalid(at, "must be longer than 0"));
    }
    Ok(d.as_ns())
}

fn convert_stimuli(ctx: &Ctx, dtos: &[StimulusDto]) -> Result<Vec<StimulusSpec>> {
    let root = YamlPath::root().key("stimuli");
    if dtos.len() > MAX_STIMULI {
        return Err(ctx.invalid(
            &root,
            &format!("{} stimuli; the limit is {MAX_STIMULI}", dtos.len()),
        ));
    }
    let mut specs: Vec<StimulusSpec> = Vec::new();
    for (i, dto) in dtos.iter().enumerate() {
        let at = root.index(i);
        let pin = pin(ctx, &at.key("pin"), dto.pin)?;
        let name = match &dto.name {
            Some(name) => {
                if specs.iter().any(|s| s.name == *name) {
                    return Err(ctx.invalid(
                        &at.key("name"),
                        &format!("another stimulus is already named `{name}`"),
                    ));
                }
                if parse_source_ref(name, ctx.board).is_some() {
                    return Err(ctx.invalid(&at.key("name"), &format!("`{name}` names a source; choose a name that is not `pin N` or `timer N`")));
                }
                name.clone()
            }
            None => default_stimulus_name(pin, &specs),
        };
        let kind = convert_stimulus_kind(ctx, &at, dto)?;
        specs.push(StimulusSpec {
            stream_id: stream_id(&name),
            name,
            pin,
            kind,
        });
    }
    Ok(specs)
}

/// `pin N` for the first unnamed stimulus on a pin, then `pin N #2`, `pin N #3`, ...
fn default_stimulus_name(pin: PinId, earlier: &[StimulusSpec]) -> String {
    let base = format!("pin {}", pin.number());
    let mut candidate = base.clone();
    let mut n = 1;
    while earlier.iter().any(|s| s.name == candidate) {
        n += 1;
        candidate = format!("{base} #{n}");
    }
    candidate
}

fn convert_stimulus_kind(ctx: &Ctx, at: &YamlPath, dto: &StimulusDto) -> Result<StimulusKind> {
    let given = [
        dto.edges.is_some(),
        dto.square.is_some(),
        dto.button.is_some(),
        dto.jittered.is_some(),
        dto.poisson.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() != 1 {
        let message = "give exactly one generator: edges, square, button, jittered or poisson";
        return Err(ctx.invalid(at, message));
    }
    if let Some(edges) = &dto.edges {
        return convert_edges(ctx, &at.key("edges"), edges).map(StimulusKind::Edges);
    }
    if let Some(square) = &dto.square {
        return convert_square(ctx, &at.key("square"), square).map(StimulusKind::Square);
    }
    if let Some(button) = &dto.button {
        return convert_button(ctx, &at.key("button"), button).map(StimulusKind::Button);
    }
    if let Some(jittered) = &dto.jittered {
        return convert_jittered(ctx, &at.key("jittered"), jittered).map(StimulusKind::Jittered);
    }
    let poisson = dto
        .poisson
        .as_ref()
        .expect("exactly one generator is given");
    convert_poisson(ctx, &at.key("poisson"), poisson).map(StimulusKind::Poisson)
}

fn convert_edges(ctx: &Ctx, at: &YamlPath, dtos: &[EdgeDto]) -> Result<Vec<StimulusEdge>> {
    if dtos.len() > MAX_EXPLICIT_EDGES {
        return Err(ctx.invalid(
            at,
            &format!("{} edges; the limit is {MAX_EXPLICIT_EDGES}", dtos.len()),
        ));
    }
    let edges: Vec<StimulusEdge> = dtos
        .iter()
        .map(|e| StimulusEdge {
            at: at_time(e.at),
            drive: e.level.0,
        })
        .collect();
    if let Some(i) = (1..edges.len()).find(|&i| edges[i].at < edges[i - 1].at) {
        let message = format!(
            "edges must be in time order, but {} comes after {}",
            edges[i].at,
            edges[i - 1].at
        );
        return Err(ctx.invalid(&at.index(i).key("at"), &message));
    }
    Ok(edges)
}

/// `start` and `stop` of a generator: `stop` must be after `start`.
fn start_stop(
    ctx: &Ctx,
    at: &YamlPath,
    start: Option<DurationText>,
    stop: Option<DurationText>,
) -> Result<(SimTime, Option<SimTime>)> {
    let start = start.map_or(SimTime::ZERO, at_time);
    let stop = stop.map(at_time);
    if stop.is_some_and(|stop| stop <= start) {
        return Err(ctx.invalid(&at.key("stop"), "`stop` must be after `start`"));
    }
    Ok((start, stop))
}

fn convert_square(ctx: &Ctx, at: &YamlPath, dto: &SquareDto) -> Result<SquareWave> {
    let period_ns = positive_ns(ctx, &at.key("period"), dto.period)?;
    let high_ns = match (dto.duty, dto.high) {
        (Some(duty), None) => (u128::from(period_ns) * u128::from(duty.0) / 1_000_000) as u64,
        (None, Some(DurationText(high))) => high.as_ns(),
        _ => {
            return Err(ctx.invalid(
                at,
                "give exactly one of `duty` (e.g. 50%) and `high` (e.g. 200us)",
            ));
        }
    };
    if high_ns == 0 || high_ns >= period_ns {
        let key = if dto.duty.is_some() { "duty" } else { "high" };
        let message = format!(
            "the high time must be more than 0 and less than the period ({high_ns} ns of {period_ns} ns)"
        );
        return Err(ctx.invalid(&at.key(key), &message));
    }
    let phase_ns = dto.phase.map_or(0, |DurationText(p)| p.as_ns());
    if phase_ns >= period_ns {
        return Err(ctx.invalid(&at.key("phase"), "`phase` must be less than the period"));
    }
    let (start, stop) = start_stop(ctx, at, dto.start, dto.stop)?;
    Ok(SquareWave {
        period_ns,
        high_ns,
        phase_ns,
        start,
        stop,
    })
}

fn convert_button(ctx: &Ctx, at: &YamlPath, dto: &ButtonDto) -> Result<Button> {
    let n_bounces = dto.bounces.unwrap_or(0);
    if n_bounces > MAX_BOUNCES {
        return Err(ctx.invalid(
            &at.key("bounces"),
            &format!("at most {MAX_BOUNCES} bounces"),
        ));
    }
    let bounce_window_ns = dto
        .bounce_window
        .map_or(1_000_000, |DurationText(w)| w.as_ns());
    if n_bounces > 0 && bounce_window_ns <= 2 * u64::from(n_bounces) {
        let message = format!(
            "{n_bounces} bounces need a window longer than {} ns",
            2 * n_bounces
        );
        return Err(ctx.invalid(&at.key("bounce-window"), &message));
    }
    let press = at_time(dto.press);
    let release = dto.release.map(at_time);
    // The last bounce of each transition must be representable in simulated time.
    let settled = |t: SimTime| t.as_ns().checked_add(bounce_window_ns);
    let Some(press_settled) = settled(press) else {
        return Err(ctx.invalid(
            &at.key("press"),
            "too late: the bounces would end after the end of time",
        ));
    };
    if let Some(release) = release {
        if release.as_ns() <= press_settled {
            let message = "`release` must come after `press` plus the bounce window";
            return Err(ctx.invalid(&at.key("release"), message));
        }
        if settled(release).is_none() {
            return Err(ctx.invalid(
                &at.key("release"),
                "too late: the bounces would end after the end of time",
            ));
        }
    }
    let active = dto.active.map_or(Drive::Low, |d| d.0);
    let idle = dto.idle.map_or(Drive::Float, |d| d.0);
    if active == idle {
        return Err(ctx.invalid(&at.key("idle"), "`idle` must differ from `active`"));
    }
    Ok(Button {
        press,
        release,
        n_bounces,
        bounce_window_ns,
        active,
        idle,
    })
}

fn convert_jittered(ctx: &Ctx, at: &YamlPath, dto: &JitteredDto) -> Result<JitteredPulses> {
    let period_ns = positive_ns(ctx, &at.key("period"), dto.period)?;
    let width_ns = positive_ns(ctx, &at.key("width"), dto.width)?;
    let jitter_ns = dto.jitter.0.as_ns();
    let span = u128::from(jitter_ns) * 2 + u128::from(width_ns);
    if span >= u128::from(period_ns) {
        let message = "2 * jitter + width must be less than the period, so pulses never overlap";
        return Err(ctx.invalid(&at.key("jitter"), message));
    }
    let active = dto.active.map_or(Level::High, |l| l.0);
    let (start, stop) = start_stop(ctx, at, dto.start, dto.stop)?;
    Ok(JitteredPulses {
        period_ns,
        jitter_ns,
        width_ns,
        active,
        start,
        stop,
    })
}

fn convert_poisson(ctx: &Ctx, at: &YamlPath, dto: &PoissonDto) -> Result<PoissonPulses> {
    let mean_interval_ns = positive_ns(ctx, &at.key("mean-interval"), dto.mean_interval)?;
    let width_ns = dto
        .width
        .map(|w| positive_ns(ctx, &at.key("width"), w))
        .transpose()?;
    let active = dto.active.map_or(Level::High, |l| l.0);
    let (start, stop) = start_stop(ctx, at, dto.start, dto.stop)?;
    Ok(PoissonPulses {
        mean_interval_ns,
        width_ns,
        active,
        start,
        stop,
    })
}

/// `pin N`, `timer N` (esp32 0..=3, pyboard the STM32F405's 1..=14) or `timer -1`; `None` if
/// `text` is not such a reference.
fn parse_source_ref(
    text: &str,
    board: BoardKind,
) -> Option<std::result::Result<IrqSource, String>> {
    let mut words = text.split_whitespace();
    let (kind, number, rest) = (words.next()?, words.next()?, words.next());
    let number: i64 = number.parse().ok()?;
    if rest.is_some() {
        return None;
    }
    Some(match kind {
        "pin" => PinId::new(number)
            .map(IrqSource::Pin)
            .map_err(|_| format!("no GPIO {number} on the ESP32")),
        "timer" if number == -1 => Ok(IrqSource::VirtualTimers),
        "timer" => match (board, u8::try_from(number)) {
            (BoardKind::Esp32, Ok(n)) if usize::from(n) < N_HARDWARE_TIMERS => {
                Ok(IrqSource::Timer(n))
            }
            (BoardKind::Pyboard, Ok(n)) if crate::hw::stm32::timer_priority(n).is_some() => {
                Ok(IrqSource::Timer(n))
            }
            (BoardKind::Esp32, _) => Err(format!(
                "no timer {number}: hardware timers are 0-3, virtual timers -1"
            )),
            (BoardKind::Pyboard, _) => Err(format!(
                "no timer {number}: the pyboard's timers are 1-14, machine.Timer's -1"
            )),
        },
        _ => return None,
    })
}

fn convert_source_names(
    ctx: &Ctx,
    dtos: &[(String, String)],
    stimuli: &[StimulusSpec],
) -> Result<Vec<(String, IrqSource)>> {
    let root = YamlPath::root().key("sources");
    let mut names: Vec<(String, IrqSource)> = Vec::new();
    for (name, reference) in dtos {
        if parse_source_ref(name, ctx.board).is_some() {
            let message = format!("`{name}` cannot be a name: it already means a source");
            return Err(ctx.error(
                &root.key(name),
                Target::Key,
                ScenarioErrorKind::Invalid,
                &message,
            ));
        }
        let source = match parse_source_ref(reference, ctx.board) {
            Some(Ok(source)) => source,
            Some(Err(why)) => return Err(ctx.invalid(&root.key(name), &why)),
            None => {
                return Err(ctx.invalid(
                    &root.key(name),
                    &format!(
                        "`{reference}` is not a source; write `pin N`, `timer N` or `timer -1`"
                    ),
                ));
            }
        };
        names.push((name.clone(), source));
    }
    for spec in stimuli.iter().filter(|s| !s.name.starts_with("pin ")) {
        if let Some((_, source)) = names.iter().find(|(n, _)| *n == spec.name) {
            if *source != IrqSource::Pin(spec.pin) {
                let message = format!(
                    "`{}` also names a stimulus on pin {}",
                    spec.name,
                    spec.pin.number()
                );
                return Err(ctx.error(
                    &root.key(&spec.name),
                    Target::Key,
                    ScenarioErrorKind::Invalid,
                    &message,
                ));
            }
            continue;
        }
        names.push((spec.name.clone(), IrqSource::Pin(spec.pin)));
    }
    Ok(names)
}

fn convert_steps(ctx: &Ctx, dtos: &[StepDto]) -> Result<Vec<Step>> {
    let root = YamlPath::root().key("steps");
    if dtos.len() > MAX_STEPS {
        return Err(ctx.invalid(
            &root,
            &format!("{} steps; the limit is {MAX_STEPS}", dtos.len()),
        ));
    }
    dtos.iter()
        .enumerate()
        .map(|(i, dto)| {
            let kind = convert_step_kind(ctx, &root.index(i), dto)?;
            Ok(Step {
                name: dto.name.clone(),
                kind,
            })
        })
        .collect()
}

/// Wokwi step keys irqlab recognises but does not run, with the reason.
fn wokwi_only_step(dto: &StepDto) -> Option<&'static str> {
    if dto.set_control.is_some() {
        return Some(
            "`set-control` drives Wokwi parts; irqlab has no parts: use `set-pin: {pin: N, value: 0|1|z}` (see docs/scenario-format.md)",
        );
    }
    let display = "irqlab models no display or touch screen";
    let unsupported = [
        (
            dto.take_screenshot.is_some(),
            "`take-screenshot`: irqlab models no display",
        ),
        (dto.touch.is_some() || dto.touch_press.is_some(), display),
        (
            dto.touch_move.is_some() || dto.touch_release.is_some(),
            display,
        ),
        (
            dto.expect_chip_output.is_some(),
            "`expect-chip-output`: irqlab has no custom chips",
        ),
    ];
    unsupported
        .iter()
        .find(|(given, _)| *given)
        .map(|&(_, why)| why)
}

fn convert_step_kind(ctx: &Ctx, at: &YamlPath, dto: &StepDto) -> Result<StepKind> {
    if let Some(why) = wokwi_only_step(dto) {
        return Err(ctx.invalid(at, why));
    }
    let mut kinds: Vec<StepKind> = Vec::new();
    if let Some(DurationText(d)) = dto.delay {
        kinds.push(StepKind::Delay(d));
    }
    if let Some(wait) = &dto.wait_serial {
        if wait.text.is_empty() {
            return Err(ctx.invalid(&at.key("wait-serial"), "the text to wait for is empty"));
        }
        kinds.push(StepKind::WaitSerial {
            text: wait.text.clone(),
            timeout: wait.timeout.map(|t| t.0),
        });
    }
    if let Some(bytes) = &dto.write_serial {
        kinds.push(StepKind::WriteSerial(bytes.0.clone()));
    }
    if let Some(expect) = &dto.expect_pin {
        let pin = pin(ctx, &at.key("expect-pin").key("pin"), expect.pin)?;
        kinds.push(StepKind::ExpectPin {
            pin,
            value: expect.value.0,
        });
    }
    if let Some(set) = &dto.set_pin {
        let pin = pin(ctx, &at.key("set-pin").key("pin"), set.pin)?;
        kinds.push(StepKind::SetPin {
            pin,
            drive: set.value.0,
        });
    }
    if let Some(wait) = &dto.wait_pin {
        let pin = pin(ctx, &at.key("wait-pin").key("pin"), wait.pin)?;
        kinds.push(StepKind::WaitPin {
            pin,
            value: wait.value.0,
            timeout: wait.timeout.map(|t| t.0),
        });
    }
    match kinds.len() {
        1 => Ok(kinds.pop().expect("one kind")),
        0 => Err(ctx.invalid(at, "a step needs a command: delay, wait-serial, write-serial, expect-pin, set-pin or wait-pin")),
        _ => Err(ctx.invalid(at, "a step has exactly one command; split this one into several steps")),
    }
}

fn convert_expect(ctx: &Ctx, dto: ExpectDto, names: &[(String, IrqSource)]) -> Result<Expect> {
    let root = YamlPath::root().key("expect");
    let (serial_contains, serial_not_contains) = match dto.serial {
        Some(serial) => (serial.contains.0, serial.not_contains.0),
        None => (Vec::new(), Vec::new()),
    };
    let mut irq: Vec<IrqExpect> = Vec::new();
    for (key, bounds) in dto.irq.0 {
        let at = root.key("irq").key(&key);
        let source = resolve_source(ctx, &at, &key, names)?;
        if let Some(earlier) = irq.iter().find(|e| e.source == source) {
            let message = format!(
                "`{key}` and `{}` are the same source ({source})",
                earlier.key
            );
            return Err(ctx.error(&at, Target::Key, ScenarioErrorKind::Invalid, &message));
        }
        irq.push(convert_irq_expect(ctx, &at, key, source, bounds)?);
    }
    let tasks = dto
        .tasks
        .0
        .into_iter()
        .map(|(coroutine, t)| TaskExpect {
            coroutine,
            max_wake_latency: t.max_wake_latency.map(|d| d.0),
            max_blocking: t.max_blocking.map(|d| d.0),
        })
        .collect();
    Ok(Expect {
        no_uncaught_exception: dto.no_uncaught_exception.unwrap_or(false),
        serial_contains,
        serial_not_contains,
        irq,
        tasks,
        findings: dto.findings.map(|f| match f {
            super::file::FindingsText::None => Vec::new(),
            super::file::FindingsText::Rules(r) => r,
        }),
    })
}

fn resolve_source(
    ctx: &Ctx,
    at: &YamlPath,
    key: &str,
    names: &[(String, IrqSource)],
) -> Result<IrqSource> {
    match parse_source_ref(key, ctx.board) {
        Some(Ok(source)) => return Ok(source),
        Some(Err(why)) => return Err(ctx.error(at, Target::Key, ScenarioErrorKind::Invalid, &why)),
        None => {}
    }
    if let Some((_, source)) = names.iter().find(|(name, _)| name == key) {
        return Ok(*source);
    }
    let message = format!(
        "`{key}` is not a source: write `pin N`, `timer N`, `timer -1`, or a name from `sources` or a stimulus"
    );
    Err(ctx.error(at, Target::Key, ScenarioErrorKind::Invalid, &message))
}

fn convert_irq_expect(
    ctx: &Ctx,
    at: &YamlPath,
    key: String,
    source: IrqSource,
    dto: IrqExpectDto,
) -> Result<IrqExpect> {
    if dto.latency.is_none() && dto.dropped.is_none() {
        return Err(ctx.invalid(at, "nothing to check: give `latency` and/or `dropped`"));
    }
    let (latency_max, latency_p99) = match dto.latency {
        Some(latency) if latency.max.is_none() && latency.p99.is_none() => {
            return Err(ctx.invalid(&at.key("latency"), "give `max` and/or `p99`"));
        }
        Some(latency) => (latency.max.map(|d| d.0), latency.p99.map(|d| d.0)),
        None => (None, None),
    };
    let dropped = dto
        .dropped
        .map(|d| convert_count(ctx, &at.key("dropped"), d))
        .transpose()?;
    Ok(IrqExpect {
        key,
        source,
        latency_max,
        latency_p99,
        dropped,
    })
}

fn convert_count(ctx: &Ctx, at: &YamlPath, dto: CountBoundDto) -> Result<CountBound> {
    let bound = CountBound {
        min: dto.min.unwrap_or(0),
        max: dto.max,
    };
    if dto.min.is_none() && dto.max.is_none() {
        return Err(ctx.invalid(at, "give `min` and/or `max`"));
    }
    if bound.max.is_some_and(|max| max < bound.min) {
        return Err(ctx.invalid(at, "`min` is larger than `max`"));
    }
    Ok(bound)
}
