//! The simulation: a [`Machine`] (VM + runtime + board) and the one loop that runs a program.
//!
//! Simulated time advances only through the machine: the VM adds op costs to its cycle count
//! and the runtime moves the clock while the program sleeps or idles; both happen inside
//! [`Machine::run_program`]. Nothing here reads the wall clock or the environment.
//!
//! A run is a pure function of (program, stimuli, seed, board profile, build): the same inputs
//! give a byte-identical trace.

use std::rc::Rc;

use crate::hw::gpio::{Drive, PinId};
use crate::hw::profile::BoardProfile;
use crate::py::bytecode::CodeObject;
use crate::py::vm::{AbortReason, Flow, Vm};
use crate::rt::op_cost::ProfileCost;
use crate::rt::{HwEvent, Runtime};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Kind, Trace};

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The program ended and nothing could produce further callbacks.
    Finished,
    /// The program raised an exception nobody caught (already printed).
    UncaughtException,
    /// Simulated time reached the limit while the program or its callbacks were still live.
    TimeLimit,
    /// The scenario stopped the run (its steps completed or one failed).
    Stopped,
    /// A limit of irqlab's was reached (the event queue, the trace); the run stopped there.
    LimitReached(crate::rt::RunLimit),
}

impl Outcome {
    /// The name reports use (`finished`, `uncaught-exception`, `time-limit`,
    /// `stopped-by-scenario`, `limit-reached`).
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Finished => "finished",
            Outcome::UncaughtException => "uncaught-exception",
            Outcome::TimeLimit => "time-limit",
            Outcome::Stopped => "stopped-by-scenario",
            Outcome::LimitReached(_) => "limit-reached",
        }
    }
}

/// What a run needs besides the program.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Which board.
    pub board: crate::hw::BoardKind,
    /// The board profile.
    pub profile: BoardProfile,
    /// Stop when simulated time reaches this.
    pub limit: SimDuration,
    /// The seed of every random choice (stimuli jitter).
    pub seed: u64,
    /// Maximum trace events kept.
    pub max_trace_events: usize,
    /// Record reads and writes of globals for the race analysis (`--findings`).
    pub track_access: bool,
    /// Bytes of emergency exception buffer at power-on: 0 on the esp32 and the pyboard (a
    /// program allocates it with `micropython.alloc_emergency_exception_buf`); MicroPython's
    /// unix port has a static 256 (`MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE`), which matters when
    /// comparing with outputs recorded there.
    pub emergency_buf_bytes: usize,
    /// Timing variation drawn from `seed` (scenario `vary:`); all off by default.
    pub vary: crate::rt::Vary,
}

impl RunConfig {
    /// The default board (esp32) with a time limit.
    pub fn esp32(limit: SimDuration) -> RunConfig {
        RunConfig::for_board(crate::hw::BoardKind::Esp32, limit)
    }

    /// A board of `kind` with its built-in profile and a time limit.
    pub fn for_board(board: crate::hw::BoardKind, limit: SimDuration) -> RunConfig {
        RunConfig {
            board,
            profile: board.profile(),
            limit,
            seed: 0,
            max_trace_events: crate::limits::MAX_TRACE_EVENTS,
            track_access: false,
            emergency_buf_bytes: 0,
            vary: crate::rt::Vary::default(),
        }
    }
}

/// A virtual board running one MicroPython program.
pub struct Machine {
    /// The VM.
    pub vm: Vm,
    /// The esp32 port around it.
    pub rt: Runtime,
    /// How long after power-on the program starts (`vary: start`; zero otherwise).
    pub start_delay: SimDuration,
}

impl Machine {
    /// A powered-on board with an empty VM.
    pub fn new(cfg: &RunConfig) -> Machine {
        let rt = Runtime::new(
            cfg.board,
            cfg.profile.clone(),
            SimTime::ZERO + cfg.limit,
            cfg.max_trace_events,
        );
        let cost = Rc::new(ProfileCost(rt.cost.clone()));
        let mut vm = Vm::new(
            cfg.profile.gc_heap_bytes() as usize,
            cfg.profile.scheduler_depth() as usize,
            cost,
        );
        let c = rt.cost.gc_pause_cycles(0).0;
        vm.heap.gc_base_cycles = c;
        vm.heap.gc_cycles_per_kib = rt.cost.gc_pause_cycles(1024).0 - c;
        vm.track_access = cfg.track_access;
        vm.is_library = crate::rt::asyncio::is_core_file;
        vm.emergency_buf_bytes = cfg.emergency_buf_bytes;
        let root = crate::rng::Rng::from_seed(cfg.seed);
        // The program's phase against the stimuli: its own stream (docs/explore.md).
        let start_delay = cfg.vary.start.map_or(SimDuration::ZERO, |d| {
            SimDuration(
                root.fork(crate::rng::stream_id("vary.start"))
                    .range_inclusive(0, d.as_ns()),
            )
        });
        let mut m = Machine {
            vm,
            rt,
            start_delay,
        };
        m.rt.set_vary(&cfg.vary, cfg.seed);
        m.rt.rng = root.fork(crate::rng::stream_id("pyb.rng"));
        m.rt.set_deadline(&mut m.vm);
        m
    }

    /// Schedules an outside drive of `pin` at `at` (stimuli and scenario steps).
    pub fn drive_pin(&mut self, at: SimTime, pin: PinId, drive: Drive) {
        self.rt.push_event(at, HwEvent::Drive { pin, drive });
        self.rt.set_deadline(&mut self.vm);
    }

    /// Adds a stimulus driving `pin` with the lazy edge stream `edges` (one edge is queued at
    /// a time). Stimuli go first, before steps and injections, in scenario order.
    pub fn add_stimulus(&mut self, pin: PinId, edges: crate::rt::EdgeStream) {
        self.rt.add_stimulus(&mut self.vm, pin, edges);
    }

    /// Runs the module to its end, then the idle loop while callbacks can still happen; a run
    /// that reached a limit of irqlab's ends [`Outcome::LimitReached`].
    pub fn run_program(&mut self, code: Rc<CodeObject>) -> Outcome {
        let outcome = self.run_program_to_end(code);
        match self.rt.limit_hit() {
            Some(limit) => Outcome::LimitReached(limit),
            None => outcome,
        }
    }

    fn run_program_to_end(&mut self, code: Rc<CodeObject>) -> Outcome {
        if self.start_delay > SimDuration::ZERO {
            // The board boots idle; stimuli and steps already run (`vary: start`).
            let start = SimTime::ZERO + self.start_delay;
            match self.rt.wait_until(&mut self.vm, start, false) {
                Err(Flow::Abort(AbortReason::TimeLimit)) => return Outcome::TimeLimit,
                Err(Flow::Abort(AbortReason::Stopped)) => return Outcome::Stopped,
                _ => {}
            }
        }
        self.rt.record(
            &self.vm,
            SimTime::ZERO + self.start_delay,
            Kind::ProgramStart,
        );
        let main = self.vm.run_module(&mut self.rt, code);
        self.rt.drain_vm_events(&mut self.vm);
        let mut outcome = match main {
            Ok(()) => Outcome::Finished,
            Err(Flow::Exception(e)) => {
                self.vm.frames.clear();
                let text = self.vm.format_exception(&mut self.rt, &e);
                self.rt.report_uncaught(&mut self.vm, &e, &text);
                Outcome::UncaughtException
            }
            Err(Flow::Abort(AbortReason::TimeLimit)) => return Outcome::TimeLimit,
            Err(Flow::Abort(AbortReason::Stopped)) => return Outcome::Stopped,
        };
        let now = self.rt.now(&self.vm);
        self.rt.record(
            &self.vm,
            now,
            Kind::ProgramEnd {
                ok: outcome == Outcome::Finished,
            },
        );
        self.vm.heap.lock_depth = 0;
        match self.rt.idle_loop(&mut self.vm) {
            Ok(()) => {}
            Err(Flow::Abort(AbortReason::TimeLimit)) => outcome = Outcome::TimeLimit,
            Err(Flow::Abort(AbortReason::Stopped)) => outcome = Outcome::Stopped,
            Err(Flow::Exception(e)) => {
                let text = self.vm.format_exception(&mut self.rt, &e);
                self.rt.report_uncaught(&mut self.vm, &e, &text);
            }
        }
        self.rt.drain_vm_events(&mut self.vm);
        outcome
    }

    /// Simulated time now.
    pub fn now(&self) -> SimTime {
        self.rt.now(&self.vm)
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        &self.rt.trace
    }
}
