//! Scenario files for the fuzzer: structure-aware ones written from a seed, and byte
//! mutations of real ones.
//!
//! [`generate`] writes a scenario in the format of docs/scenario-format.md with every section
//! drawn from the seed — board, timeout, `vary`, stimuli of each kind (edges, square, button,
//! jittered, poisson) with values from sane to extreme (a 10 MHz square, thousands of bounces),
//! steps and expectations — and an inline program that arms pin and timer interrupts. Some
//! values are deliberately wrong (unknown keys, negative durations, out-of-range pins) so the
//! validation paths are exercised too. [`mutate_bytes`] flips, inserts and deletes bytes of a
//! shipped scenario.

use crate::rng::Rng;

/// Durations from the ordinary to the extreme, in the format's units.
const DURATIONS: [&str; 12] = [
    "0ms", "1us", "100ns", "50us", "1ms", "3ms", "10ms", "100ms", "1s", "2.5ms", "-1ms", "1µs",
];

const LEVELS: [&str; 4] = ["0", "1", "z", "2"];

/// Programs the generated scenarios run: they arm interrupts and keep the board busy in
/// different ways (sleeping, spinning, asyncio).
const PROGRAMS: [&str; 5] = [
    "import machine, time\nn = 0\ndef cb(p):\n    global n\n    n += 1\n\
     p = machine.Pin(4, machine.Pin.IN, machine.Pin.PULL_UP)\np.irq(cb, machine.Pin.IRQ_FALLING | machine.Pin.IRQ_RISING)\n\
     print('ready')\nfor i in range(20):\n    time.sleep_ms(5)\nprint('n', n)\n",
    "import machine\nc = 0\ndef tick(t):\n    global c\n    c += 1\nt = machine.Timer(0)\n\
     t.init(period=1, callback=tick)\nx = 0\nwhile c < 30:\n    x += 1\nprint('done', c)\n",
    "import machine, micropython\nq = []\ndef later(a):\n    q.append(a)\n\
     def isr(p):\n    micropython.schedule(later, p.value())\nmachine.Pin(5, machine.Pin.IN).irq(isr)\n\
     o = machine.Pin(2, machine.Pin.OUT)\nfor i in range(200):\n    o.value(i & 1)\nprint(len(q))\n",
    "import asyncio, machine\nflag = asyncio.ThreadSafeFlag()\nmachine.Pin(4, machine.Pin.IN).irq(lambda p: flag.set())\n\
     async def waiter():\n    for i in range(3):\n        await flag.wait()\n        print('woke', i)\n\
     async def main():\n    await asyncio.wait_for_ms(waiter(), 50)\ntry:\n    asyncio.run(main())\nexcept Exception as e:\n    print(repr(e))\n",
    "print('ready')\nwhile True:\n    pass\n",
];

/// A scenario file (YAML text) from `rng`.
pub fn generate(rng: &mut Rng) -> String {
    let mut y = String::from("name: fuzz\nversion: 1\n");
    let pick =
        |rng: &mut Rng, items: &[&'static str]| items[rng.below(items.len() as u64) as usize];
    if rng.below(4) == 0 {
        y.push_str(&format!(
            "board: {}\n",
            pick(rng, &["esp32", "pyboard", "esp8266"])
        ));
    }
    y.push_str(&format!(
        "timeout: {}\n",
        pick(rng, &["50ms", "200ms", "1s", "5ms", "0ms"])
    ));
    y.push_str(&format!("seed: {}\n", rng.below(1000)));
    if rng.below(3) == 0 {
        y.push_str(&format!(
            "vary: {{timer-phase: {}, irq-jitter: {}, start: {}}}\n",
            pick(rng, &["true", "false"]),
            pick(rng, &DURATIONS),
            pick(rng, &DURATIONS)
        ));
    }
    let program = PROGRAMS[rng.below(PROGRAMS.len() as u64) as usize];
    y.push_str("program:\n  inline: |\n");
    for l in program.lines() {
        y.push_str("    ");
        y.push_str(l);
        y.push('\n');
    }
    let n_stimuli = rng.below(4);
    if n_stimuli > 0 {
        y.push_str("stimuli:\n");
    }
    for _ in 0..n_stimuli {
        y.push_str(&stimulus(rng));
    }
    if rng.below(2) == 0 {
        y.push_str(&steps(rng));
    }
    if rng.below(2) == 0 {
        y.push_str(&expect(rng));
    }
    y
}

fn stimulus(rng: &mut Rng) -> String {
    let pick =
        |rng: &mut Rng, items: &[&'static str]| items[rng.below(items.len() as u64) as usize];
    let pin = pick(rng, &["4", "5", "18", "2", "40", "-1"]);
    let body = match rng.below(5) {
        0 => format!(
            "edges: [{{at: {}, level: {}}}, {{at: {}, level: {}}}]",
            pick(rng, &DURATIONS),
            pick(rng, &LEVELS),
            pick(rng, &DURATIONS),
            pick(rng, &LEVELS)
        ),
        1 => format!(
            "square: {{period: {}, duty: {}, stop: {}}}",
            pick(rng, &["100ns", "1us", "20us", "1ms", "0ms"]),
            pick(rng, &["50", "0", "100", "150"]),
            pick(rng, &["20ms", "1s", "40s"])
        ),
        2 => format!(
            "button: {{press: {}, release: {}, bounces: {}, bounce-window: {}}}",
            pick(rng, &DURATIONS),
            pick(rng, &["30ms", "200ms", "1ms"]),
            pick(rng, &["0", "5", "20", "1000", "1001"]),
            pick(rng, &["400us", "1ms", "0us"])
        ),
        3 => format!(
            "jittered: {{period: {}, jitter: {}, width: {}}}",
            pick(rng, &["1ms", "10us", "100ns"]),
            pick(rng, &["0us", "5us", "2ms"]),
            pick(rng, &["1us", "0us", "500us"])
        ),
        _ => format!(
            "poisson: {{mean-interval: {}, width: {}}}",
            pick(rng, &["10ms", "100us", "1ns", "0ms"]),
            pick(rng, &["1us", "10us"])
        ),
    };
    format!("  - pin: {pin}\n    {body}\n")
}

fn steps(rng: &mut Rng) -> String {
    let pick =
        |rng: &mut Rng, items: &[&'static str]| items[rng.below(items.len() as u64) as usize];
    let mut s = String::from("steps:\n");
    for _ in 0..1 + rng.below(4) {
        let step = match rng.below(6) {
            0 => format!("delay: {}", pick(rng, &DURATIONS)),
            1 => format!(
                "wait-serial: {{text: \"{}\", timeout: 20ms}}",
                pick(rng, &["ready", "n", "zzz"])
            ),
            2 => format!("set-pin: {{pin: 4, value: {}}}", pick(rng, &LEVELS)),
            3 => format!("expect-pin: {{pin: 2, value: {}}}", pick(rng, &LEVELS)),
            4 => "write-serial: [3]".to_string(),
            _ => format!(
                "wait-pin: {{pin: 2, value: 1, timeout: {}}}",
                pick(rng, &DURATIONS)
            ),
        };
        s.push_str(&format!("  - {step}\n"));
    }
    s
}

fn expect(rng: &mut Rng) -> String {
    let pick =
        |rng: &mut Rng, items: &[&'static str]| items[rng.below(items.len() as u64) as usize];
    let mut s = String::from("expect:\n");
    s.push_str(&format!(
        "  no-uncaught-exception: {}\n",
        pick(rng, &["true", "false"])
    ));
    if rng.below(2) == 0 {
        s.push_str(&format!(
            "  irq:\n    {}:\n      latency: {{max: {}, p99: {}}}\n      dropped: {{max: {}}}\n",
            pick(rng, &["pin 4", "timer 0", "pin 99", "nothing"]),
            pick(rng, &DURATIONS),
            pick(rng, &DURATIONS),
            pick(rng, &["0", "10", "-1"])
        ));
    }
    if rng.below(2) == 0 {
        s.push_str(&format!(
            "  findings: {}\n",
            pick(rng, &["none", "[lost-update]", "[bogus-rule]"])
        ));
    }
    s
}

/// `text` with 1–8 random byte edits (flip, insert, delete, duplicate a slice); the result
/// need not be UTF-8 (that is one of the things the loader must refuse cleanly).
pub fn mutate_bytes(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let mut b = text.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(b.len() as u64 + 1) as usize;
        match rng.below(4) {
            0 if at < b.len() => b[at] ^= 1 << rng.below(8),
            1 => b.insert(at, b" :-[]{}\n#0123456789z,\"\t"[rng.below(23) as usize]),
            2 if at < b.len() => {
                b.remove(at);
            }
            _ => {
                let end = (at + rng.below(16) as usize).min(b.len());
                let slice = b[at..end].to_vec();
                b.splice(at..at, slice);
            }
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    // The same seed writes the same scenario, and different seeds reach different sections.
    #[test]
    fn generated_scenarios_are_deterministic_and_varied() {
        let a = generate(&mut Rng::from_seed(5));
        assert_eq!(a, generate(&mut Rng::from_seed(5)));
        let all: String = (0..100).map(|s| generate(&mut Rng::from_seed(s))).collect();
        for section in [
            "stimuli:", "steps:", "expect:", "vary:", "board:", "square:", "poisson:",
        ] {
            assert!(all.contains(section), "no generated scenario has {section}");
        }
    }

    // Byte mutation changes the text.
    #[test]
    fn byte_mutation_edits() {
        let text = b"name: x\nversion: 1\n";
        let changed = (0..50)
            .filter(|&s| mutate_bytes(&mut Rng::from_seed(s), text) != text)
            .count();
        assert!(changed >= 45, "{changed} of 50 mutants differ");
    }
}
