//! The board profile: the validated hardware facts irqlab simulates (frequencies, heap size,
//! scheduler depth, RTOS tick, UART, timers, hard-IRQ support) plus the board's [`CostModel`].
//!
//! Built in: [`BoardProfile::esp32`], [`BoardProfile::pyboard`]; from a file:
//! [`BoardProfile::load`] / [`BoardProfile::parse`] (in `profile_file.rs`, which turns
//! `boards/*.toml` into these types; the rest of irqlab never sees serde).

use serde::{Deserialize, Serialize};

use super::costs::CostModel;
use crate::time::SimDuration;

/// Bits on the wire per UART byte: start bit, 8 data bits, stop bit (8N1).
pub const UART_BITS_PER_BYTE: u64 = 10;

/// Whether a profile's numbers were fitted to measurements or are a first draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileStatus {
    /// Fitted to published measurements of that board (see the profile's comments).
    Calibrated,
    /// Partly estimated or scaled from another board; numbers are marked as unverified.
    Draft,
}

/// What `print` does when the UART's transmit buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxFullWait {
    /// Block until the next RTOS tick or any ISR notification, then refill (esp32:
    /// `ulTaskNotifyTake(pdFALSE, 1)` in `uart_stdout_tx_strn`).
    RtosTick,
    /// Busy-wait for each byte to leave (ports that poll the transmit-empty flag).
    ByteTime,
}

/// The REPL UART: the rate bytes leave at and the buffering in front of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UartProfile {
    pub(super) repl_baud: u32,
    pub(super) tx_fifo_bytes: u32,
    pub(super) tx_full_wait: TxFullWait,
    pub(super) rx_buffer_bytes: u32,
}

impl UartProfile {
    /// Line rate of the REPL UART in bits per second (8N1).
    pub fn repl_baud(&self) -> u32 {
        self.repl_baud
    }

    /// Bytes `print` can hand over without waiting (hardware FIFO plus any software buffer).
    pub fn tx_fifo_bytes(&self) -> u32 {
        self.tx_fifo_bytes
    }

    /// What the writer does when the transmit buffer is full.
    pub fn tx_full_wait(&self) -> TxFullWait {
        self.tx_full_wait
    }

    /// Size of the stdin buffer that received bytes wait in.
    pub fn rx_buffer_bytes(&self) -> u32 {
        self.rx_buffer_bytes
    }

    /// Wire time of one byte, rounded to the nearest nanosecond (86 806 ns at 115 200 baud).
    /// Use [`UartProfile::bytes_duration`] for many bytes, which does not accumulate rounding.
    pub fn byte_ns(&self) -> u64 {
        let baud = u64::from(self.repl_baud);
        (UART_BITS_PER_BYTE * 1_000_000_000 + baud / 2) / baud
    }

    /// Wire time of `n_bytes` back to back (floor of the exact value).
    pub fn bytes_duration(&self, n_bytes: u64) -> SimDuration {
        let ns = u128::from(n_bytes) * u128::from(UART_BITS_PER_BYTE) * 1_000_000_000
            / u128::from(self.repl_baud);
        SimDuration::from_ns(u64::try_from(ns).expect("UART duration fits u64 nanoseconds"))
    }
}

/// A validated board description: the hardware facts irqlab simulates and their costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardProfile {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) status: ProfileStatus,
    pub(super) cpu_freq_hz: u64,
    pub(super) allowed_cpu_freqs_hz: Vec<u64>,
    pub(super) gc_heap_bytes: u32,
    pub(super) scheduler_depth: u32,
    pub(super) rtos_tick_ns: u64,
    pub(super) n_hw_timers: u32,
    pub(super) hw_timer_clock_hz: u64,
    pub(super) pin_hard_irq: bool,
    pub(super) timer_hard_irq: bool,
    pub(super) gil_vm_divisor: u32,
    pub(super) uart: UartProfile,
    pub(super) cost: CostModel,
}

impl BoardProfile {
    /// Short identifier, e.g. `esp32`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One-line human description of the board and firmware.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Whether the cost numbers were calibrated or are a draft.
    pub fn status(&self) -> ProfileStatus {
        self.status
    }

    /// CPU frequency after reset, in Hz.
    pub fn cpu_freq_hz(&self) -> u64 {
        self.cpu_freq_hz
    }

    /// Frequencies `machine.freq(f)` accepts, ascending, in Hz.
    pub fn allowed_cpu_freqs_hz(&self) -> &[u64] {
        &self.allowed_cpu_freqs_hz
    }

    /// True if `machine.freq(freq_hz)` is accepted on this board.
    pub fn allows_cpu_freq_hz(&self, freq_hz: u64) -> bool {
        self.allowed_cpu_freqs_hz.binary_search(&freq_hz).is_ok()
    }

    /// Size of the MicroPython GC heap in bytes.
    pub fn gc_heap_bytes(&self) -> u32 {
        self.gc_heap_bytes
    }

    /// Capacity of the `micropython.schedule` queue (`MICROPY_SCHEDULER_DEPTH`).
    pub fn scheduler_depth(&self) -> u32 {
        self.scheduler_depth
    }

    /// Period of the RTOS tick (or SysTick), in nanoseconds: the granularity of sleeps.
    pub fn rtos_tick_ns(&self) -> u64 {
        self.rtos_tick_ns
    }

    /// Period of the RTOS tick as a duration.
    pub fn rtos_tick(&self) -> SimDuration {
        SimDuration::from_ns(self.rtos_tick_ns)
    }

    /// Number of hardware timers `machine.Timer(id)` can use.
    pub fn n_hw_timers(&self) -> u32 {
        self.n_hw_timers
    }

    /// Counting clock of the hardware timers in Hz (their resolution).
    pub fn hw_timer_clock_hz(&self) -> u64 {
        self.hw_timer_clock_hz
    }

    /// True if `Pin.irq` can run a Python handler in hard-IRQ context.
    pub fn pin_hard_irq(&self) -> bool {
        self.pin_hard_irq
    }

    /// True if `machine.Timer` can run a Python callback in hard-IRQ context.
    pub fn timer_hard_irq(&self) -> bool {
        self.timer_hard_irq
    }

    /// The VM releases the GIL every this many pending checks; 0 means the port has no GIL.
    pub fn gil_vm_divisor(&self) -> u32 {
        self.gil_vm_divisor
    }

    /// Wire time of one REPL UART byte in nanoseconds (86 806 ns at 115 200 baud, 8N1);
    /// shorthand for [`UartProfile::byte_ns`].
    pub fn uart_byte_ns(&self) -> u64 {
        self.uart.byte_ns()
    }

    /// The REPL UART.
    pub fn uart(&self) -> &UartProfile {
        &self.uart
    }

    /// The cycle costs.
    pub fn cost(&self) -> &CostModel {
        &self.cost
    }
}

#[cfg(test)]
mod tests {
    //! Board facts, and calibration checks of the non-op costs against published figures
    //! (docs/cost-model.md §5 lists them with their sources; each states the figure and the
    //! tolerance). The op calibrations are in `rt::op_cost`, where ops are priced.

    use super::*;
    use crate::hw::costs::{DynamicCost, OpClass};

    #[test]
    fn uart_byte_time_at_115200() {
        let uart = BoardProfile::esp32().uart().clone();
        assert_eq!(uart.byte_ns(), 86_806);
        assert_eq!(BoardProfile::esp32().uart_byte_ns(), 86_806);
        assert_eq!(uart.bytes_duration(1_000).as_ns(), 86_805_555);
        assert_eq!(uart.tx_fifo_bytes(), 128);
        assert_eq!(uart.tx_full_wait(), TxFullWait::RtosTick);
    }

    #[test]
    fn esp32_board_facts() {
        let esp32 = BoardProfile::esp32();
        assert_eq!(esp32.name(), "esp32");
        assert_eq!(esp32.status(), ProfileStatus::Calibrated);
        assert_eq!(esp32.cpu_freq_hz(), 160_000_000);
        assert!(esp32.allows_cpu_freq_hz(240_000_000));
        assert!(!esp32.allows_cpu_freq_hz(120_000_000));
        assert_eq!(esp32.gc_heap_bytes(), 56 * 1024);
        assert_eq!(esp32.scheduler_depth(), 8);
        assert_eq!(esp32.rtos_tick(), SimDuration::from_ms(10));
        assert_eq!(esp32.n_hw_timers(), 4);
        assert!(!esp32.pin_hard_irq() && !esp32.timer_hard_irq());
        assert_eq!(esp32.gil_vm_divisor(), 32);
    }

    fn us_at(cycles: f64, freq_hz: u64) -> f64 {
        cycles * 1e6 / freq_hz as f64
    }

    fn assert_within(what: &str, got: f64, want: f64, tolerance: f64) {
        let err = (got - want).abs() / want;
        assert!(
            err <= tolerance,
            "{what}: got {got:.3}, want {want:.3} ± {:.0} % (off by {:.1} %)",
            tolerance * 100.0,
            err * 100.0
        );
    }

    // peterhinch/micropython-micro-gui#10 (2022-03-24), ESP32 without PSRAM: gc.collect()
    // took 2013–2461 µs. A full 56 KiB heap must pause between 2.0 and 2.5 ms at 160 MHz.
    #[test]
    fn calibration_gc_pause_full_heap() {
        let esp32 = BoardProfile::esp32();
        let cycles = esp32.cost().gc_pause_cycles(esp32.gc_heap_bytes() as usize);
        let us = us_at(cycles.0 as f64, esp32.cpu_freq_hz());
        assert!(
            (2000.0..=2500.0).contains(&us),
            "full-heap GC pause {us:.0} µs"
        );
        // An emptier heap pauses for less.
        assert!(esp32.cost().gc_pause_cycles(8 * 1024) < cycles);
    }

    // ESP-IDF C handlers behind the GPIO ISR service start 1.66 µs after the edge at
    // 240 MHz (Arduino-ESP32 sketch, 2023-12-11), ~2 µs at 240 MHz (Spiess/Dekker 2022),
    // 2.5 µs (gruhouse 2019, clock not stated). Entry at 240 MHz: 1.66 µs ± 30 %.
    #[test]
    fn calibration_isr_entry() {
        let esp32 = BoardProfile::esp32();
        let us = us_at(esp32.cost().isr_entry_cycles().0 as f64, 240_000_000);
        assert_within("ISR entry at 240 MHz, µs", us, 1.662, 0.30);
    }

    // Same 2023-12-11 measurement: from the ISR's first instruction to a task blocked in
    // ulTaskNotifyTake running, 10558 - 1662 = 8896 ns at 240 MHz. Our pin handler body,
    // ISR exit and task wake must add up to that ± 30 % (the body also does
    // mp_sched_schedule, which the C test did not: about 0.5 µs).
    #[test]
    fn calibration_isr_to_task_wake() {
        let c = BoardProfile::esp32().cost().clone();
        let cycles = c.pin_isr_body_cycles().0 + c.isr_exit_cycles().0 + c.task_wake_cycles().0;
        assert_within(
            "ISR start to task running at 240 MHz, µs",
            us_at(cycles as f64, 240_000_000),
            8.896,
            0.30,
        );
    }

    #[test]
    fn every_op_class_has_a_cost() {
        for board in [BoardProfile::esp32(), BoardProfile::pyboard()] {
            for class in OpClass::ALL {
                assert!(
                    board.cost().class_cycles(class).0 > 0,
                    "{} {}",
                    board.name(),
                    class.key()
                );
            }
            for cost in DynamicCost::ALL {
                assert!(
                    board.cost().dynamic_cycles(cost).0 > 0,
                    "{} {}",
                    board.name(),
                    cost.key()
                );
            }
        }
    }
}
