//! The closed set of things a user can ask for, and the key that asks for each.
//!
//! [`for_key`] and [`for_mouse`] are the only places that know the bindings; [`KEYS`], kept
//! next to them, is the table the help overlay shows.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::app::{App, Mode, OpInfo};
use super::layout::time_at;
use super::live::Chunk;

/// A chunk from the simulation thread, as a message (compared by horizon and size only).
#[derive(Clone, Debug)]
pub struct ChunkMsg(pub Box<Chunk>);

impl PartialEq for ChunkMsg {
    fn eq(&self, other: &ChunkMsg) -> bool {
        (
            self.0.horizon_ns,
            self.0.last,
            self.0.rec.trace.events.len(),
        ) == (
            other.0.horizon_ns,
            other.0.last,
            other.0.rec.trace.events.len(),
        )
    }
}

impl Eq for ChunkMsg {}

/// A UI intent (The Elm Architecture's message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Cursor to the next event.
    NextEvent,
    /// Cursor to the previous event.
    PrevEvent,
    /// Cursor to the next interrupt (IRQ raised or `micropython.schedule`).
    NextIrq,
    /// Cursor to the previous interrupt.
    PrevIrq,
    /// Cursor to the next interrupt from the selected event's source.
    NextSameSource,
    /// Cursor to the previous interrupt from the selected event's source.
    PrevSameSource,
    /// Cursor to the next dropped event.
    NextDrop,
    /// Cursor to the previous dropped event.
    PrevDrop,
    /// Replay: start or stop playback. Live: pause or resume the live clock.
    TogglePlay,
    /// Wall-clock nanoseconds passed while playing or running live (sent by the event loop).
    Tick(u64),
    /// Next faster speed.
    Faster,
    /// Next slower speed.
    Slower,
    /// Live: the simulation thread's next chunk (the event loop takes it when asked).
    Chunk(ChunkMsg),
    /// Live: the simulation thread failed (bad input found late).
    LiveFailed(String),
    /// Step one bytecode op: the op running at the cursor, then the next one.
    StepOp,
    /// The result of [`super::app::Request::OpAt`]: the op, or why there is none.
    OpFound(Result<Box<OpInfo>, String>),
    /// Toggle a breakpoint on the source line at the cursor.
    ToggleLineBreak,
    /// Toggle a breakpoint on the selected event's interrupt source.
    ToggleSourceBreak,
    /// Cursor to the next event that hits a breakpoint.
    Continue,
    /// Cursor to the previous event that hits a breakpoint.
    ReverseContinue,
    /// Cursor forward to this time (ns), stopping at the first breakpoint on the way.
    RunTo(u64),
    /// Select the next finding and move the cursor to its first step.
    NextFinding,
    /// Select the previous finding and move the cursor to its first step.
    PrevFinding,
    /// Switch the pane next to the detail between latency and findings.
    ToggleSide,
    /// Open the run-to-time prompt.
    OpenRunToPrompt,
    /// Open the breakpoint prompt.
    OpenBreakPrompt,
    /// Cursor to the next event on another source line.
    NextLine,
    /// Cursor to the previous event on another source line.
    PrevLine,
    /// Cursor to the first event.
    Home,
    /// Cursor to the last event.
    End,
    /// Cursor to the last event at or before this time (ns).
    JumpTo(u64),
    /// Narrower time window around the cursor.
    ZoomIn,
    /// Wider time window around the cursor.
    ZoomOut,
    /// Move the window a quarter of its width earlier.
    PanLeft,
    /// Move the window a quarter of its width later.
    PanRight,
    /// Show or hide the help overlay.
    ToggleHelp,
    /// Open the jump-to-time prompt.
    OpenPrompt,
    /// A character typed into the prompt.
    PromptInput(char),
    /// Backspace in the prompt.
    PromptBackspace,
    /// Enter in the prompt: parse and jump.
    PromptSubmit,
    /// Select the next non-empty latency-histogram bar (`x`).
    NextBar,
    /// Select the previous one (`X`).
    PrevBar,
    /// Esc: close the prompt or the overlay, or drop the selected bar.
    Cancel,
    /// Leave the TUI.
    Quit,
}

/// The key bindings, as the help overlay shows them: (keys, what they do).
pub const KEYS: [(&str, &str); 27] = [
    ("→ ← n p", "next / previous event"),
    ("] [", "next / prev interrupt"),
    ("} {", "same source irq (in bar)"),
    ("x X", "select latency bar"),
    ("d D", "next / prev drop"),
    ("↓ ↑ j k", "next / prev source line"),
    ("s", "step one bytecode"),
    ("f F", "next / prev finding"),
    ("b", "break on cursor's line"),
    ("i", "break on event's irq"),
    ("B", "break: 12, pin 4, timer 0"),
    ("c C", "continue to next / prev"),
    ("r", "run to time (breaks)"),
    ("g", "jump to time: 50ms, 1.2s"),
    ("+ -", "zoom in / out"),
    ("l h S-→ S-←", "pan right / left"),
    ("Home End", "first / last event"),
    ("space", "play/pause, live: pause"),
    ("> <", "faster / slower"),
    ("t", "latency / findings pane"),
    ("?", "this help"),
    ("Esc", "close help, prompt, bar"),
    ("q Ctrl-C", "quit"),
    ("mouse", "click: jump, wheel: zoom"),
    ("", ""),
    ("lanes", "isr queue(×drop) callback"),
    ("", "main idle; ░▒▓█ = busy"),
];

/// The message a key press means in `mode`, if any.
pub fn for_key(mode: &Mode, key: KeyEvent) -> Option<Message> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return Some(Message::Quit);
    }
    match mode {
        Mode::Help => Some(Message::ToggleHelp),
        Mode::Prompt(..) => match key.code {
            KeyCode::Enter => Some(Message::PromptSubmit),
            KeyCode::Esc => Some(Message::Cancel),
            KeyCode::Backspace => Some(Message::PromptBackspace),
            KeyCode::Char(c) => Some(Message::PromptInput(c)),
            _ => None,
        },
        Mode::Normal => normal_key(key),
    }
}

/// The message a mouse event on a screen of size `screen` means: a click (or drag) on the
/// timeline or the pins moves the cursor to that time; the wheel zooms.
pub fn for_mouse(app: &App, screen: Rect, ev: MouseEvent) -> Option<Message> {
    if app.mode != Mode::Normal {
        return None;
    }
    match ev.kind {
        MouseEventKind::ScrollUp => Some(Message::ZoomIn),
        MouseEventKind::ScrollDown => Some(Message::ZoomOut),
        MouseEventKind::Down(MouseButton::Left) | MouseEventKind::Drag(MouseButton::Left) => {
            time_at(app, screen, ev.column, ev.row).map(Message::JumpTo)
        }
        _ => None,
    }
}

fn normal_key(key: KeyEvent) -> Option<Message> {
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    Some(match key.code {
        KeyCode::Right if shift => Message::PanRight,
        KeyCode::Left if shift => Message::PanLeft,
        KeyCode::Right | KeyCode::Char('n') => Message::NextEvent,
        KeyCode::Left | KeyCode::Char('p') => Message::PrevEvent,
        KeyCode::Char(']') => Message::NextIrq,
        KeyCode::Char('[') => Message::PrevIrq,
        KeyCode::Char('}') => Message::NextSameSource,
        KeyCode::Char('{') => Message::PrevSameSource,
        KeyCode::Char('d') => Message::NextDrop,
        KeyCode::Char('D') => Message::PrevDrop,
        KeyCode::Char(' ') => Message::TogglePlay,
        KeyCode::Down | KeyCode::Char('j') => Message::NextLine,
        KeyCode::Up | KeyCode::Char('k') => Message::PrevLine,
        KeyCode::Char('+' | '=') => Message::ZoomIn,
        KeyCode::Char('-' | '_') => Message::ZoomOut,
        KeyCode::Char('l') => Message::PanRight,
        KeyCode::Char('h') => Message::PanLeft,
        KeyCode::Home => Message::Home,
        KeyCode::End => Message::End,
        KeyCode::Char('g') => Message::OpenPrompt,
        KeyCode::Char('r') => Message::OpenRunToPrompt,
        KeyCode::Char('B') => Message::OpenBreakPrompt,
        KeyCode::Char('b') => Message::ToggleLineBreak,
        KeyCode::Char('i') => Message::ToggleSourceBreak,
        KeyCode::Char('c') => Message::Continue,
        KeyCode::Char('C') => Message::ReverseContinue,
        KeyCode::Char('s') => Message::StepOp,
        KeyCode::Char('f') => Message::NextFinding,
        KeyCode::Char('F') => Message::PrevFinding,
        KeyCode::Char('t') => Message::ToggleSide,
        KeyCode::Char('>' | '.') => Message::Faster,
        KeyCode::Char('<' | ',') => Message::Slower,
        KeyCode::Char('x') => Message::NextBar,
        KeyCode::Char('X') => Message::PrevBar,
        KeyCode::Char('?') => Message::ToggleHelp,
        KeyCode::Esc => Message::Cancel,
        KeyCode::Char('q') => Message::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    // Keys mean different things in the prompt and in normal mode; Ctrl-C always quits.
    #[test]
    fn keys_depend_on_mode() {
        let n = Mode::Normal;
        assert_eq!(for_key(&n, key(KeyCode::Char('q'))), Some(Message::Quit));
        assert_eq!(for_key(&n, key(KeyCode::Right)), Some(Message::NextEvent));
        let shift_right = KeyEvent::new(KeyCode::Right, KeyModifiers::SHIFT);
        assert_eq!(for_key(&n, shift_right), Some(Message::PanRight));
        let p = Mode::Prompt(crate::tui::app::PromptKind::Jump, String::new());
        assert_eq!(
            for_key(&p, key(KeyCode::Char('q'))),
            Some(Message::PromptInput('q'))
        );
        assert_eq!(
            for_key(&Mode::Help, key(KeyCode::Char('x'))),
            Some(Message::ToggleHelp)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(for_key(&p, ctrl_c), Some(Message::Quit));
    }
}
