# irqlab's asyncio: the event loop of MicroPython's asyncio, written for irqlab (not copied)
# from the algorithm in shared/docs/micropython-facts.md section 5. It runs on the simulated VM
# like the frozen bytecode does on the board, so every op is charged. The runtime provides:
#   _rt_ipoll(dt, waits)   select.ipoll(dt) over the flags in waits ([flag, task] pairs)
#   _rt_trace(code, task, arg)   a task event for the trace (src/trace.rs, TaskEv)
#   _rt_task_next(task)   Task.__next__ (modasyncio.c task_iternext)
#   _rt_tq_push(q, t, key)   TaskQueue.push into the list q (modasyncio.c task_queue_push)
# Trace codes: 0 created, 1 resumed, 2 suspended (the runtime reads why from the task),
# 3 woken (arg: 2 event, 3 lock, 4 flag, 5 task, 6 gather), 4 ended (arg: the exception),
# 6 cancel requested, 7 flag set. The calls cost what a native call costs; the
# classification itself is free, as tracing must not slow the loop it observes.

from time import ticks_ms as ticks, ticks_diff, ticks_add


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):
    pass


# Queue kinds, so the trace can say what a suspended task waits on.
_Q_RUN = 0
_Q_EVENT = 2
_Q_LOCK = 3
_Q_TASK = 5


class TaskQueue:
    # A stable priority queue on (ticks key compared with ticks_diff, push order): what the
    # pairing heap of modasyncio.c behaves as (facts 5.1).
    def __init__(self, kind=_Q_TASK):
        self._q = []
        self._kind = kind

    def peek(self):
        q = self._q
        if q:
            return q[0]
        return None

    def push(self, t, key=None):
        # t.data = None; t.ph_key = key or now; insert after every task whose key is not
        # later (native: the pairing heap is C on the board).
        _rt_tq_push(self._q, t, key)

    def pop(self):
        return self._q.pop(0)

    def remove(self, t):
        self._q.remove(t)


class Task:
    # state: True running, a TaskQueue of awaiters, a callable (gather), None done and not
    # awaited, False done and awaited. data: the queue it waits on, an exception to throw in,
    # or its outcome (facts 5.1).
    def __init__(self, coro, g=None):
        self.coro = coro
        self.data = None
        self.state = True
        self.ph_key = 0
        _rt_trace(0, self, 0, coro)

    def __repr__(self):
        return "<Task>"

    def __iter__(self):
        # `await task` starts here (GET_ITER): a finished task counts as awaited from now on;
        # a running one gets a queue for its awaiters (modasyncio.c task_getiter).
        st = self.state
        if not st:
            self.state = False
        elif st is True:
            self.state = TaskQueue(_Q_TASK)
        elif not isinstance(st, TaskQueue):
            raise RuntimeError("can't wait")
        return self

    # __next__ is native (_rt_task_next, set below): C on the board, so a failed task's
    # exception reaches its awaiter without a frame of ours in the traceback.

    def done(self):
        return not self.state

    def cancel(self):
        # facts 5.3: follow data down to the innermost awaited task, take it off whatever it
        # waits on, and bring it to the front of time with CancelledError to throw.
        if not self.state:
            return False
        if self is cur_task:
            raise RuntimeError("can't cancel self")
        t = self
        while isinstance(t.data, Task):
            t = t.data
        d = t.data
        if hasattr(d, "remove"):
            d.remove(t)
            _task_queue.push(t)
        elif ticks_diff(t.ph_key, ticks()) > 0:
            _task_queue.remove(t)
            _task_queue.push(t)
        t.data = CancelledError
        _rt_trace(6, t, 0)
        return True


Task.__next__ = _rt_task_next


class _Sleep:
    # The one object every sleep returns (no allocation per sleep, facts 5.3): its first step
    # queues the current task at the deadline and yields; the next ends the await.
    def __init__(self):
        self.key = None
        self.stop = StopIteration()

    def __iter__(self):
        return self

    def __next__(self):
        k = self.key
        if k is None:
            raise self.stop
        self.key = None
        _task_queue.push(cur_task, k)
        return None


_sleeper = _Sleep()


def sleep_ms(t):
    _sleeper.key = ticks_add(ticks(), max(0, t))
    return _sleeper


def sleep(t):
    return sleep_ms(int(t * 1000))


class _FlagWaits:
    # Stand-in for the IOQueue: the ThreadSafeFlags being waited on, in registration order.
    def __init__(self):
        self.waits = []

    def add(self, flag):
        w = self.waits
        for e in w:
            if e[0] is flag:
                # A second waiter replaces the first (asserts are stripped, facts 5.3).
                e[1] = cur_task
                cur_task.data = self
                return
        w.append([flag, cur_task])
        cur_task.data = self

    def remove(self, task):
        w = self.waits
        i = 0
        while i < len(w):
            if w[i][1] is task:
                w.pop(i)
            else:
                i += 1

    def poll_once(self):
        n = 0
        w = self.waits
        i = 0
        while i < len(w):
            e = w[i]
            if e[0].state:
                w.pop(i)
                _task_queue.push(e[1])
                _rt_trace(3, e[1], 4, e[0])
                n += 1
            else:
                i += 1
        return n

    def wait(self, dt):
        # select.ipoll(dt), which is C on the board: the runtime waits until a flag is up or
        # dt ms have passed (dt < 0: for ever), then the ready waiters are queued.
        _rt_ipoll(dt, self.waits)
        self.poll_once()


def _promote_to_task(aw):
    if isinstance(aw, Task):
        return aw
    return create_task(aw)


def create_task(coro):
    if not hasattr(coro, "send"):
        raise TypeError("coroutine expected")
    t = Task(coro)
    _task_queue.push(t)
    return t


_context = {"message": "Task exception wasn't retrieved", "exception": None, "future": None}


# Built once: a tuple literal in the loop would allocate at every step.
_excs_all = (CancelledError, Exception)
_excs_stop = (CancelledError, StopIteration)


def run_until_complete(main_task=None):
    global cur_task
    while True:
        # Wait phase (facts 5.2 step 1): poll once per step, blocking until the head is due.
        dt = 1
        while dt > 0:
            dt = -1
            h = _task_queue.peek()
            if h:
                dt = ticks_diff(h.ph_key, ticks())
                if dt < 0:
                    dt = 0
            elif not _io_queue.waits:
                cur_task = None
                if not main_task or not main_task.state:
                    return
                dt = 3
            _io_queue.wait(dt)
        t = _task_queue.pop()
        cur_task = t
        exc = t.data
        if exc and t.state is None:
            # A failed task nobody awaited, back for its report (facts 5.2 step 5). Its
            # coroutine is over: a throw would only raise exc again.
            _context["exception"] = exc
            _context["future"] = t
            Loop.call_exception_handler(_context)
            continue
        _rt_trace(1, t, 0)
        try:
            if exc:
                t.data = None
                t.coro.throw(exc)
            else:
                t.coro.send(None)
            _rt_trace(2, t, -1)
        except _excs_all as er:
            # Completion (facts 5.2 step 4). BaseExceptions such as KeyboardInterrupt pass.
            _rt_trace(4, t, er)
            awaited = t is main_task
            if awaited:
                cur_task = None
                if not isinstance(er, StopIteration):
                    t.state = False
                    raise er
                if t.state is None:
                    t.state = False
            st = t.state
            if st:
                if st is True:
                    if awaited:
                        t.state = False
                    else:
                        t.state = None
                elif callable(st):
                    st(t, er)
                    t.state = False
                    awaited = True
                else:
                    while st.peek():
                        w = st.pop()
                        _task_queue.push(w)
                        _rt_trace(3, w, 5)
                        awaited = True
                    t.state = False
                if not awaited and not isinstance(er, _excs_stop):
                    # Nobody awaits it: report it one round later (facts 5.2 step 5).
                    _task_queue.push(t)
                t.data = er
            if t is main_task:
                return er.value


def run(coro):
    return run_until_complete(create_task(coro))


async def _stopper():
    pass


cur_task = None
_stop_task = None


class Loop:
    # get_event_loop() returns the class itself; its functions take no self (facts 5.3).
    _exc_handler = None

    def create_task(coro):
        return create_task(coro)

    def run_forever():
        global _stop_task
        _stop_task = Task(_stopper())
        run_until_complete(_stop_task)

    def run_until_complete(aw):
        return run_until_complete(_promote_to_task(aw))

    def stop():
        global _stop_task
        if _stop_task is not None:
            _task_queue.push(_stop_task)
            _stop_task = None

    def close():
        pass

    def set_exception_handler(handler):
        Loop._exc_handler = handler

    def get_exception_handler():
        return Loop._exc_handler

    def default_exception_handler(loop, context):
        print(context["message"])
        print("future:", context["future"], "coro=", context["future"].coro)
        _print_exception(context["exception"])

    def call_exception_handler(context):
        h = Loop._exc_handler
        if h is None:
            h = Loop.default_exception_handler
        h(Loop, context)


def get_event_loop(runq_len=0, waitq_len=0):
    return Loop


def current_task():
    if cur_task is None:
        raise RuntimeError("no running event loop")
    return cur_task


def new_event_loop():
    global _task_queue, _io_queue
    _task_queue = TaskQueue(_Q_RUN)
    _io_queue = _FlagWaits()
    return Loop


new_event_loop()


class Event:
    # Not IRQ-safe; set() wakes every waiter in order and does not yield (facts 5.3).
    def __init__(self):
        self.state = False
        self.waiting = TaskQueue(_Q_EVENT)

    def is_set(self):
        return self.state

    def set(self):
        q = self.waiting
        while q.peek():
            w = q.pop()
            _task_queue.push(w)
            _rt_trace(3, w, 2)
        self.state = True

    def clear(self):
        self.state = False

    def wait(self):
        if not self.state:
            self.waiting.push(cur_task)
            cur_task.data = self.waiting
            yield
        return True


class ThreadSafeFlag:
    # set() only raises the flag (safe from ISRs and callbacks); the loop's next poll wakes
    # the waiter; wait() clears it (facts 5.3).
    def __init__(self):
        self.state = 0

    def ioctl(self, req, flags):
        if req == 3:
            return self.state * flags
        return -1

    def set(self):
        self.state = 1
        _rt_trace(7, self, 0)

    def clear(self):
        self.state = 0

    def wait(self):
        if not self.state:
            _io_queue.add(self)
            yield
        self.state = 0


class Lock:
    # state: 0 free, 1 held, or the waiting Task it was handed to (facts 5.3).
    def __init__(self):
        self.state = 0
        self.waiting = TaskQueue(_Q_LOCK)

    def locked(self):
        return self.state == 1

    def release(self):
        if self.state != 1:
            raise RuntimeError("Lock not acquired")
        q = self.waiting
        if q.peek():
            w = q.pop()
            self.state = w
            _task_queue.push(w)
            _rt_trace(3, w, 3)
        else:
            self.state = 0

    def acquire(self):
        if self.state != 0:
            self.waiting.push(cur_task)
            cur_task.data = self.waiting
            try:
                yield
            except CancelledError as er:
                if self.state == cur_task:
                    # Handed the lock while being cancelled: pass it on.
                    self.state = 1
                    self.release()
                raise er
        self.state = 1
        return True

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        return self.release()


async def _run_for(waiter, aw):
    # wait_for's runner: await aw, then wake the waiter with the outcome packed into a
    # CancelledError(status, result) (facts 5.3).
    try:
        result = await aw
        status = True
    except BaseException as er:
        result = None
        status = er
    if waiter.data is None:
        if waiter.cancel():
            waiter.data = CancelledError(status, result)


async def wait_for(aw, timeout, sleep=sleep):
    aw = _promote_to_task(aw)
    if timeout is None:
        return await aw
    runner = create_task(_run_for(cur_task, aw))
    try:
        await sleep(timeout)
    except CancelledError as er:
        a = er.args
        status = a[0] if a else None
        if status is None:
            runner.cancel()
            raise er
        if status is True:
            return a[1]
        raise status
    runner.cancel()
    await runner
    raise TimeoutError


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout, sleep_ms)


class _Remove:
    # A gather task parks with data = _Remove so that cancel() can take it "off" nothing.
    @staticmethod
    def remove(t):
        pass


def gather(*aws, return_exceptions=False):
    def done(t, er):
        nonlocal left
        if gather_task.data is not _Remove:
            return
        if not return_exceptions and not isinstance(er, StopIteration):
            left = er
        else:
            left -= 1
            if left:
                return
        _task_queue.push(gather_task)
        _rt_trace(3, gather_task, 6)

    ts = [_promote_to_task(aw) for aw in aws]
    left = 0
    for t in ts:
        if t.state is True:
            t.state = done
            left += 1
        elif not t.state:
            if not isinstance(t.data, StopIteration) and not return_exceptions:
                left = -len(ts)
        else:
            raise RuntimeError("can't gather")
    gather_task = cur_task
    cancel_all = False
    if left > 0:
        gather_task.data = _Remove
        try:
            yield
        except CancelledError as er:
            cancel_all = True
            left = er
    for i in range(len(ts)):
        t = ts[i]
        if t.state is done:
            t.state = True
            if cancel_all:
                t.cancel()
        elif isinstance(t.data, StopIteration):
            ts[i] = t.data.value
        elif return_exceptions:
            ts[i] = t.data
        elif isinstance(left, int):
            left = t.data
    if left:
        raise left
    return ts
