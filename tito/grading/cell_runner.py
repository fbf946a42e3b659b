"""Run one graded cell of a learner's module and report its tests; started by tito.grading.sandbox.

Usage: python -I cell_runner.py PLAN_JSON NONCE_FD CHANNEL_FD

This file imports nothing from tito and needs no other file of the grader: inside the sandbox
it is the only one the learner's code can see. The plan (JSON) holds the code to run and the
limits; the nonce (a secret the grader made for this run) arrives on NONCE_FD; the verdict
leaves on CHANNEL_FD, a pipe to the grader, as lines `NONCE KIND FIELD...` (fields hex-encoded
UTF-8). Everything the learner's code prints goes to stdout and stderr, which the grader
reads, bounded, and never parses.

The learner's code runs in this very process, so nothing here is out of its reach in
principle; the design makes every way to forge a pass that we know of either impossible or
loud:

- The nonce and the channel live only in the frame of one suspended generator, the *guard*.
  Its frame is reachable through `gi_frame` (refused), the garbage collector's referrer
  queries (refused), ctypes (refused), `/proc/self/mem` (no /proc in the sandbox), trace and
  profile functions (refused), or a signal handler or finalizer running while the guard
  runs (the guard runs only when no Python signal handler is installed, with the collector
  paused, and calls no code of the learner's).
- The guard is fed by an audit hook (audit hooks cannot be removed). It refuses, and reports
  at once, what no honest solution needs: new audit hooks, tracing, gc and ctypes
  introspection, new processes, signals to others, sockets, replacing a function's code or
  a module's class.
- The guard writes the verdict itself, and only when asked by this runner with nothing but
  the runner's own frames on the stack of the main thread. It checks that the test functions
  (and every function a locked cell defines) are the locked ones (their code, globals and
  builtins), that the names the course imports are still those modules, and that no
  callable of builtins, numpy or the standard library, or of their classes, was replaced,
  when the tests are defined, after every test and at the end.
- Anything the grader does not receive as expected (no verdict, a line without the nonce,
  duplicates, a report of tampering) scores 0 and is flagged for review by the grader.
"""

import builtins
import gc
import json
import os
import signal
import sys
import traceback
import types
import _signal
import _thread

SEP = b" "


def main(argv):
    plan_path, nonce_fd, channel_fd = argv
    with open(plan_path, encoding="utf-8") as stream:
        plan = json.load(stream)
    _limit_resources(plan)
    for name in plan["imports"].values():
        __import__(name)  # the genuine modules, imported before the workspace is on sys.path
    module = types.ModuleType("tito_graded_cells")
    module.__file__ = plan["source"]
    namespace = module.__dict__
    namespace["__builtins__"] = builtins.__dict__
    sys.modules[module.__name__] = module
    compiled = tuple(_compile(chunk, plan["source"]) for chunk in plan["chunks"])
    audit = sys.audit
    locked = tuple(code for chunk, code in zip(plan["chunks"], compiled) if chunk["locked"])
    _install_guard(plan, int(nonce_fd), int(channel_fd), namespace, locked)
    sys.path.insert(0, plan["root"])

    for chunk, code in zip(plan["chunks"], compiled):
        if isinstance(code, Exception):
            audit("tito.cell_failed", f"the cell {chunk['label']} is not valid Python: {code}", None)
            break
        try:
            exec(code, namespace)
        except BaseException as error:  # the learner's code may raise anything, SystemExit included
            audit("tito.cell_failed", f"the cell {chunk['label']} raised {_describe(error, plan['source'])}",
                  _raised_at(error))
            break
    else:
        tests = tuple(namespace.get(name) for name in plan["tests"])
        audit("tito.tests_defined", tests)
        for index, test in enumerate(tests):
            try:
                test()
            except AssertionError as error:
                audit("tito.test_end", index, test, "failed",
                      f"{plan['tests'][index]}: {_describe(error, plan['source'])}", _raised_at(error))
            except BaseException as error:
                audit("tito.test_end", index, test, "error",
                      f"{plan['tests'][index]}: {_describe(error, plan['source'])}", _raised_at(error))
            else:
                audit("tito.test_end", index, test, "passed", None, None)
    foreign = _foreign_package(plan["root"])
    if foreign:
        audit("tito.cell_failed", foreign, None)
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()  # the guard ends the process without Python's own clean-up
        except BaseException:
            pass
    audit("tito.seal")
    os._exit(3)  # the guard ends the process when it seals; reaching this line means it could not


def _limit_resources(plan):
    """Caps on this process and everything it starts; a hard limit cannot be raised again."""
    import resource

    for name, value in plan["limits"].items():
        soft, hard = value if isinstance(value, list) else (value, value)
        resource.setrlimit(getattr(resource, name), (soft, hard))
    user = plan.get("user")
    if user is not None:  # the sandbox started us as root so that we could become this user now
        os.setgroups([])
        os.setresgid(user, user, user)
        os.setresuid(user, user, user)


def _compile(chunk, source):
    try:
        # Blank lines in front keep tracebacks pointing at the source file's own lines.
        return compile("\n" * (chunk["line"] - 1) + chunk["code"], source, "exec")
    except (SyntaxError, ValueError) as error:  # ValueError: a NUL byte
        return error


def _describe(error, source, frames=4):
    """One line (`Type: message (line N)`, N the deepest line of the module source), then the traceback's end."""
    try:
        frames_in_source = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == source]
        where = f" (line {frames_in_source[-1].lineno})" if frames_in_source else ""
        text = str(error).strip().split("\n")[0]
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-frames))
        return f"{type(error).__name__}{': ' + text if text else ''}{where}\n{trace.strip()}"
    except BaseException:  # an exception whose own __str__ fails still fails the test
        return f"{type(error).__name__} (its message could not be read)"


def _raised_at(error):
    """`file:line` of the innermost frame the exception passed through, for "finish module N first"."""
    try:
        frames = traceback.extract_tb(error.__traceback__)
        return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None
    except BaseException:
        return None


def _foreign_package(root):
    """If the code imported a `tinytorch` from outside the workspace, say so: it was not the learner's."""
    package = sys.modules.get("tinytorch")
    if package is None:
        return None
    location = getattr(package, "__file__", None)
    if not isinstance(location, str) or not os.path.realpath(location).startswith(os.path.realpath(root) + os.sep):
        return f"tinytorch was imported from {location}, not from the graded workspace"
    return None


# --- the guard -------------------------------------------------------------------------------

# Audit events that no honest solution raises: refused, and reported as tampering.
REFUSED_EVENTS = frozenset({
    "sys.addaudithook", "sys.settrace", "sys.setprofile", "sys._current_frames",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "subprocess.Popen",
    "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill", "os.symlink",
})
REFUSED_PREFIXES = ("ctypes.", "socket.", "tito.")  # tito.* from anyone but this runner
ALLOWED_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym"})  # numpy loads libraries as it imports; calling is refused
# Also looked at: a function made of the grader's code (and, in the hook, replacing a function's
# code or a module's class, and reading the guard's own frame).
WATCHED_EVENTS = REFUSED_EVENTS | {"function.__new__"}
MAX_REPORTED = 5  # replaced things named per check; one is enough to need a review


def _install_guard(plan, nonce_fd, channel_fd, namespace, locked_codes):
    """Read the nonce, start the guard and attach it to the audit hook; keep no secret here."""
    nonce = b""
    while True:
        piece = os.read(nonce_fd, 64)
        if not piece:
            break
        nonce += piece
    os.close(nonce_fd)
    guard = _guard(nonce.strip(), channel_fd, namespace, _function_codes(locked_codes), _facts(plan))
    next(guard)
    del nonce
    send, running = guard.send, (lambda: guard.gi_running)
    main_thread, get_ident, getsignal = _thread.get_ident(), _thread.get_ident, _signal.getsignal
    numbers, default_int_handler = _catchable_signals(), _signal.default_int_handler
    gc_enable, gc_disable, gc_isenabled = gc.enable, gc.disable, gc.isenabled

    def hook(event, args):
        if running():
            if get_ident() == main_thread:
                return  # the guard's own calls
            raise PermissionError(f"tito grade: {event} is not allowed while the grader reports")
        if event in ALLOWED_EVENTS or not (
                event in WATCHED_EVENTS or event.startswith(REFUSED_PREFIXES)
                or (event == "object.__setattr__" and args[1] in ("__code__", "__class__"))
                or (event == "object.__getattr__" and args[0] is guard)):
            return
        for number in numbers:
            handler = getsignal(number)
            if not (type(handler) is int or handler is None or handler is default_int_handler):
                # A Python signal handler could see the guard's frame while it runs.
                raise PermissionError(f"tito grade: {event} refused while a Python signal handler is installed")
        if get_ident() != main_thread:
            raise PermissionError(f"tito grade: {event} is not allowed outside the main thread")
        was_enabled = gc_isenabled()
        gc_disable()  # no finalizer of the learner's may run inside the guard
        try:
            refusal = send((event, args))
        finally:
            if was_enabled:
                gc_enable()
        if refusal:
            raise PermissionError(refusal)

    sys.addaudithook(hook)


def _facts(plan):
    """What the guard needs of the plan, copied: the plan dict itself is within the learner's reach."""
    return (str(plan["root"]).rstrip("/") + "/", str(plan["source"]), tuple(map(str, plan["tests"])),
            tuple((str(alias), str(name)) for alias, name in plan["imports"].items()), plan["sandboxed"] is True)


def _catchable_signals():
    return tuple(number for number in signal.valid_signals() if number not in (signal.SIGKILL, signal.SIGSTOP))


def _function_codes(locked_codes):
    """{name: code object} of every function the locked cells define at their top level, as we compiled them."""
    found = {}
    for code in locked_codes:
        if isinstance(code, types.CodeType):
            found.update((const.co_name, const) for const in code.co_consts if isinstance(const, types.CodeType))
    return found


def _guard(nonce, channel, namespace, expected_codes, plan):
    """The generator that holds the secrets, judges what the hook sends it, and writes the verdict.

    It must never raise (a traceback would show its frame) and never call the learner's code.
    """
    learner_root, source, names, imports, sandboxed = plan
    getframe, write, exit_now, kill = sys._getframe, os.write, os._exit, os.kill
    bottom = getframe(0)
    while bottom.f_back is not None:
        bottom = bottom.f_back
    main_code, runner_file = bottom.f_code, bottom.f_code.co_filename  # this file's module-level code
    runner_codes = frozenset(id(code) for code in _all_codes(main_code))
    builtins_dict = builtins.__dict__
    snapshot = _snapshot()
    genuine = tuple((alias, sys.modules[name]) for alias, name in imports)
    tests, results, sealed = None, [None] * len(names), False

    def send_line(kind, *fields):
        line = SEP.join([nonce, kind.encode()] + [_hex(field) for field in fields]) + b"\n"
        while line:
            line = line[write(channel, line):]

    def learner_line():
        """`file:line` of the innermost frame of the learner's files on the stack, else of the first caller not ours."""
        frame, caller = getframe(0), None
        while frame is not None:
            filename = frame.f_code.co_filename
            if caller is None and id(frame.f_code) not in runner_codes:
                caller = f"{filename}:{frame.f_lineno}"
            if filename.startswith(learner_root) or filename == source:
                return f"{filename}:{frame.f_lineno}"
            frame = frame.f_back
        return caller or ""

    def tamper(what):
        send_line("TAMPER", what, learner_line())

    def runner_only():
        """True when every frame on the stack is this runner's, down to its module level."""
        frame, last = getframe(0), None
        while frame is not None:
            if id(frame.f_code) not in runner_codes or frame.f_code.co_filename != runner_file:
                return False
            last, frame = frame, frame.f_back
        return last is not None and last.f_code is main_code

    def changes():
        """What was replaced since the snapshot: module attributes, sys.modules entries, imported names."""
        found = []
        modules = _exact_str_items(sys.modules)
        for name, owner, dictionary, items in snapshot:
            if owner is not None and modules.get(name) is not owner:
                found.append(f"sys.modules[{name!r}] was replaced")
            current = _exact_str_items(dictionary)
            found.extend(f"{name}.{key} was replaced" for key, value in items if current.get(key) is not value)
        current = _exact_str_items(namespace)
        found.extend(f"the name {alias!r} no longer refers to the module it imported"
                     for alias, module in genuine if current.get(alias, module) is not module)
        found.extend(f"{name} is no longer the locked function of that name"
                     for name in expected_codes if name in current and not locked(name, current[name]))
        if current.get("__builtins__") is not builtins_dict:
            found.append("the cells' __builtins__ was replaced")
        return found[:MAX_REPORTED]

    def locked(name, function):
        return (type(function) is types.FunctionType and function.__code__ is expected_codes.get(name)
                and function.__globals__ is namespace and function.__builtins__ is builtins_dict
                and function.__closure__ is None and function.__defaults__ is None and function.__kwdefaults__ is None)

    def on_runner_event(event, args):
        nonlocal tests
        if event == "tito.cell_failed":  # every test not already failed is an error, for this reason
            message, raised_at = args
            for index, result in enumerate(results):
                if result is None or result[0] == "passed":
                    results[index] = ("error", _text(message), _text(raised_at))
        elif event == "tito.tests_defined":
            functions = args[0]
            if type(functions) is tuple and len(functions) == len(names) and all(map(locked, names, functions)):
                tests = functions
            else:
                tests = ()
                tamper("the test functions handed over are not the locked cell's")
            for problem in changes():
                tamper(problem)
        elif event == "tito.test_end":
            index, function, status, message, raised_at = args
            position = next((i for i, result in enumerate(results) if result is None), -1)
            if tests is None or type(index) is not int or index != position or index >= len(tests) \
                    or function is not tests[index] or not locked(names[index], function):
                tamper(f"a result arrived for a test that is not the next locked one ({names[position]})")
            elif status not in ("passed", "failed", "error"):
                tamper("a test ended with an unknown status")
            else:
                for problem in changes():
                    tamper(problem)
                results[index] = (status, _text(message), _text(raised_at))
        elif event == "tito.seal":
            seal()

    def on_learner_event(event, args):
        """The refusal message for an event of the learner's code, or None to let it happen."""
        if event == "object.__setattr__":
            target, attribute = args[0], args[1]
            if attribute == "__code__":
                tamper("replaced the code of a function")
                return "tito grade: replacing a function's code is not allowed in graded code"
            if attribute == "__class__" and issubclass(type(target), types.ModuleType):
                tamper("changed the class of a module")
                return "tito grade: changing a module's class is not allowed in graded code"
            return None
        if event == "function.__new__":
            if id(args[0]) in runner_codes or any(args[0] is code for code in expected_codes.values()):
                tamper("made a function of the grader's or a locked test's code")
                return "tito grade: that code object belongs to the grader"
            return None
        tamper(f"read {_text(args[1])} of the grader's guard" if event == "object.__getattr__" else event)
        return f"tito grade: {event} is not allowed in graded code"

    def judge(event, args):
        if not event.startswith("tito."):
            return on_learner_event(event, args)
        if not runner_only():
            tamper(f"{event} raised by code other than the grader's")
            return "tito grade: only the grader reports results"
        if not sealed:
            on_runner_event(event, args)
        return None

    def seal():
        nonlocal sealed
        sealed = True
        try:
            if sandboxed:
                try:
                    kill(-1, signal.SIGKILL)  # every other process in the sandbox: not us, not its init
                    tamper("a process started by the graded code was still running")
                except ProcessLookupError:
                    pass  # there was none
            if _thread._count():
                tamper("a thread started by the graded code was still running")
            for problem in changes():
                tamper(problem)
            for index, result in enumerate(results):
                status, message, raised_at = result or ("not-run", "the test was never run", "")
                send_line("RESULT", str(index), status, message, raised_at)
            send_line("END", str(len(results)))
        finally:
            exit_now(0)

    refusal = None
    while True:
        try:
            request = yield refusal
        except BaseException:  # thrown in by the learner's code: keep guarding
            refusal = "tito grade: refused"
            continue
        try:
            refusal = judge(*request)
        except BaseException as error:  # a malformed request must not end the guard
            refusal = "tito grade: refused"
            try:
                tamper(f"the grader could not check a request ({type(error).__name__})")
            except BaseException:
                pass
        request = None  # hold no reference to the caller's objects across the yield


def _all_codes(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _all_codes(const)


def _snapshot():
    """(name, module or None for a class, its dict, its behaviour) of every module loaded so far and
    of every class in them. Behaviour is what a patch would replace: callables, descriptors, modules.
    """
    taken, classes = [], {}
    for name, module in _exact_str_items(sys.modules).items():
        dictionary = getattr(module, "__dict__", None)
        if not isinstance(module, types.ModuleType) or type(dictionary) is not dict:
            continue
        items = _behaviour(dictionary)
        taken.append((name, module, dictionary, items))
        classes.update((id(value), (f"{name}.{key}", value)) for key, value in items if isinstance(value, type))
    for qualified, cls in classes.values():
        dictionary = _CLASS_DICT(cls)
        taken.append((qualified, None, dictionary, _behaviour(dictionary)))
    return tuple(taken)


_CLASS_DICT = type.__dict__["__dict__"].__get__  # a class's own mappingproxy, whatever its metaclass says
_BEHAVIOUR = (types.ModuleType, property, classmethod, staticmethod)


def _behaviour(dictionary):
    return tuple((key, value) for key, value in _exact_str_items(dictionary).items()
                 if callable(value) or isinstance(value, _BEHAVIOUR))


def _exact_str_items(dictionary):
    """A plain copy of a dict's string-keyed entries, made without calling any code of the learner's."""
    copy = {}
    for key, value in list(dictionary.items()):
        if type(key) is str:
            copy[key] = value
    return copy


def _text(value):
    return value if type(value) is str else ("" if value is None else "(not a string)")


def _hex(text):
    return _text(text).encode("utf-8", "replace").hex().encode()


if __name__ == "__main__":
    main(sys.argv[1:])
