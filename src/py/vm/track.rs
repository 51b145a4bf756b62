//! Access-tracking hooks: report which shared locations each op reads or writes (irqlab's own:
//! MicroPython has no counterpart; used by the race analysis through [`Host::on_access`]).

use super::*;

impl Vm {
    /// Reports an access at the current op if its site cache matches `site` (object address,
    /// key); false if the host must be asked ([`Vm::track_miss`]).
    #[inline]
    pub(super) fn track_hit(
        &mut self,
        host: &mut dyn Host,
        site: (usize, i64),
        kind: AccessKind,
    ) -> bool {
        let f = self.frames.last().expect("tracking runs in a frame");
        let s = f.info.access[f.ip - 1].get();
        if s.loc == AccessSite::UNKNOWN || (s.obj, s.key) != site {
            return false;
        }
        if s.loc != AccessSite::IGNORED {
            host.on_access_loc(self, s.loc, kind);
        }
        true
    }

    /// Asks the host for the location of an access and caches it at the current op.
    pub(super) fn track_miss(
        &mut self,
        host: &mut dyn Host,
        site: (usize, i64),
        at: AccessAt<'_>,
        kind: AccessKind,
    ) {
        let loc = host.on_access(self, at, kind);
        let f = self.frames.last().expect("tracking runs in a frame");
        f.info.access[f.ip - 1].set(AccessSite {
            obj: site.0,
            key: site.1,
            loc: loc.unwrap_or(AccessSite::IGNORED),
        });
    }

    /// A whole-container access (`append`, iteration, a slice).
    pub(super) fn track_whole(&mut self, host: &mut dyn Host, obj: &Value, kind: AccessKind) {
        let site = (obj.heap_addr().unwrap_or(1), i64::MIN);
        if !self.track_hit(host, site, kind) {
            self.track_miss(host, site, AccessAt::Whole(obj), kind);
        }
    }

    /// `obj[index]` read or written (a slice index is a whole-container access).
    pub(super) fn track_item(
        &mut self,
        host: &mut dyn Host,
        obj: &Value,
        index: &Value,
        write: bool,
    ) {
        let (kind, whole) = match (index, write) {
            (Value::Slice(_), false) => (AccessKind::ReadAll, true),
            (Value::Slice(_), true) => (AccessKind::WriteAll, true),
            (_, false) => (AccessKind::Read, false),
            (_, true) => (AccessKind::Write, false),
        };
        if whole {
            return self.track_whole(host, obj, kind);
        }
        let key = match index {
            Value::Int(n) => *n as i64,
            Value::Bool(b) => *b as i64,
            // Other keys are rare in shared data: ask the host every time.
            _ => {
                self.track_miss(host, (0, i64::MAX), AccessAt::Item(obj, index), kind);
                return;
            }
        };
        let site = (obj.heap_addr().unwrap_or(1), key);
        if !self.track_hit(host, site, kind) {
            self.track_miss(host, site, AccessAt::Item(obj, index), kind);
        }
    }
}
