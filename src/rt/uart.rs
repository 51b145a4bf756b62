//! The console UART: the CPU writes printed text into a FIFO that drains at the baud rate;
//! when it is full the writer waits (ports/esp32/mphalport.c `mp_hal_stdout_tx_strn`,
//! `uart_stdout_tx_strn` in ports/esp32/uart.c; `\n` goes out as `\r\n`,
//! shared/runtime/stdout_helpers.c). Uncaught exceptions are printed the same way.

use crate::py::value::Value;
use crate::py::vm::Vm;
use crate::time::SimTime;
use crate::trace::Kind;

use super::Runtime;

impl Runtime {
    /// Prints `text`, the report of exception `exc`, (trace record, console, UART time). The
    /// record is at the line `exc` was raised at ([`Vm::raise_line`]): the frames it unwound
    /// are gone by now.
    pub(super) fn emit_exception(&mut self, vm: &mut Vm, exc: &Value, text: &str) {
        let now = self.now(vm);
        let (offset, len) = self.trace.add_text(text);
        let line = vm.raise_line(exc).unwrap_or_else(|| self.line_now(vm));
        self.record_line(now, line, Kind::Exception { offset, len });
        self.stdout.push_str(text);
        self.uart_write(vm, text.len() + text.matches('\n').count());
    }

    /// Prints an uncaught exception of the main program.
    pub fn report_uncaught(&mut self, vm: &mut Vm, exc: &Value, text: &str) {
        self.emit_exception(vm, exc, text);
    }

    /// The UART: the CPU writes into a FIFO that drains at the baud rate; when it is full the
    /// writer waits (the time is charged to the current context).
    pub(super) fn uart_write(&mut self, vm: &mut Vm, n_bytes: usize) {
        let cpu = self.cost.stdout_cycles(n_bytes).0;
        self.charge(vm, cpu);
        let now = self.now(vm);
        let uart = self.profile.uart().clone();
        let start = self.uart_free_at.max(now);
        self.uart_free_at = start + uart.bytes_duration(n_bytes as u64);
        let fifo = uart.bytes_duration(uart.tx_fifo_bytes() as u64);
        let backlog = self.uart_free_at.saturating_since(now);
        if backlog > fifo {
            let wait_until = SimTime(self.uart_free_at.0 - fifo.as_ns());
            self.advance_to(vm, wait_until);
        }
    }
}
