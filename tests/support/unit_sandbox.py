#!/usr/bin/python3
"""Runs a service the way systemd would run it from its unit file, where PID 1 is not systemd.

    unit_sandbox.py UNIT_FILE --executable BINARY [--configuration-directory DIR]
                    [--state-directory DIR] [--bind SRC:DST]... --scratch DIR

Reads the unit's [Service] section (the shipped file, not a copy of its lines) and applies what it
says: the SystemCallFilter= lists with their groups expanded by `systemd-analyze syscall-filter`
and SystemCallErrorNumber=/SystemCallArchitectures=, compiled with libseccomp as systemd compiles
them (the filter loaded last, after the stacked RestrictAddressFamilies=, RestrictNamespaces=,
MemoryDenyWriteExecute=, RestrictRealtime=, RestrictSUIDSGID=, LockPersonality= and Protect*=
filters); DynamicUser= (an unused uid/gid, no groups, its implied settings), the capability
bounding set, NoNewPrivileges=, UMask=; a private mount namespace with the whole tree read-only
(ProtectSystem=strict, ProtectHome=), private /tmp, a minimal /dev, a fresh /proc mounted with
ProtectProc=/ProcSubset=, the StateDirectory=/ConfigurationDirectory= and their modes,
LoadCredential= copied into $CREDENTIALS_DIRECTORY; MemoryMax= through the memory cgroup; the
environment systemd gives a service. ExecStart='s executable is BINARY; the rest of its command
line is the unit's.

A directive this script neither applies nor knows to be irrelevant without systemd stops it: a
change to the unit must be looked at here, never silently skipped.

It then acts as the service manager: SIGHUP runs ExecReload= (in the same sandbox, with
$MAINPID), SIGTERM or SIGINT stops the service as `systemctl stop` would (KillSignal SIGTERM,
SIGKILL after TimeoutStopSec=). Its own lines on stderr start with "unit_sandbox: ": the main pid
once started, then how the main process ended, in systemctl's words ("code=exited,
status=0/SUCCESS", "code=killed, status=31/SYS"). Exit status: the main process's, 128+N when
signal N ended it, 1 when the sandbox could not be set up.

Everything happens in new namespaces of the child (mount, UTS) and in a child memory cgroup that
is removed afterwards: nothing outside changes. Needs root (as systemd does).
"""

import argparse
import ctypes
import errno
import os
import pwd
import grp
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

import seccomp

PREFIX = "unit_sandbox: "

# systemd's exit codes for a failed setup step (systemd.exec(5), "Process Exit Codes").
EXIT_CHDIR, EXIT_EXEC, EXIT_USER = 200, 203, 217
EXIT_CAPABILITIES, EXIT_CGROUP, EXIT_NAMESPACE = 218, 219, 226
EXIT_SECCOMP, EXIT_CREDENTIALS, EXIT_UMASK = 228, 243, 202

CLONE_NEWNS, CLONE_NEWUTS = 0x00020000, 0x04000000
NAMESPACE_FLAGS = {  # RestrictNamespaces= (clone flags)
    "cgroup": 0x02000000, "ipc": 0x08000000, "net": 0x40000000, "mnt": 0x00020000,
    "pid": 0x20000000, "user": 0x10000000, "uts": 0x04000000,
}
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 16384, 1 << 18, 1 << 21
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PROT_WRITE, PROT_EXEC, SHM_EXEC = 2, 4, 0o100000
S_ISUID, S_ISGID, O_CREAT = 0o4000, 0o2000, 0o100
AF_MAX = 46  # as systemd 252 knows it (AF_MCTP + 1)
PER_LINUX = 0

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                       ctypes.c_ulong]


class SetupError(Exception):
    def __init__(self, exit_code, message):
        super().__init__(message)
        self.exit_code = exit_code


def say(message):
    sys.stderr.write(PREFIX + message + "\n")
    sys.stderr.flush()


# --- the unit file ------------------------------------------------------------------------

def parse_unit(path):
    """[(section, key, value)] in file order, as systemd reads unit files (comments, line
    continuations, whitespace around '=')."""
    entries, section, pending = [], None, ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if pending:
                if line.lstrip().startswith(("#", ";")):
                    continue
                line = pending + " " + line.strip()
                pending = ""
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", ";")):
                continue
            if stripped.endswith("\\"):
                pending = stripped[:-1].rstrip()
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                section = stripped[1:-1]
                continue
            key, sep, value = stripped.partition("=")
            if not sep or section is None:
                raise SetupError(1, f"{path}: cannot read line {raw.strip()!r}")
            entries.append((section, key.strip(), value.strip()))
    return entries


def boolean(value):
    lowered = value.lower()
    if lowered in ("1", "yes", "y", "true", "t", "on"):
        return True
    if lowered in ("0", "no", "n", "false", "f", "off"):
        return False
    raise SetupError(1, f"not a boolean: {value!r}")


def size_bytes(value):
    m = re.fullmatch(r"(\d+)([KMGT]?)", value)
    if not m:
        raise SetupError(1, f"MemoryMax={value}: only plain sizes (256M) are understood here")
    return int(m.group(1)) * 1024 ** "_KMGT".index(m.group(2) or "_")


def seconds(value):
    m = re.fullmatch(r"(\d+)(s|min|ms)?", value)
    if not m:
        raise SetupError(1, f"cannot read time span {value!r}")
    return {"s": 1, None: 1, "min": 60, "ms": 0.001}[m.group(2)] * int(m.group(1))


def no_specifiers(key, value):
    if "%" in value.replace("%%", ""):
        raise SetupError(1, f"{key}={value}: %-specifiers are not expanded here; teach "
                            "unit_sandbox.py the one you need")
    return value.replace("%%", "%")


# Settings of the [Service] section that this script cannot apply, and why that is safe for a
# test of the program the unit runs. Anything else unknown stops the script.
NOT_EMULATED = {
    "Type": "simple is the only type handled: started once exec'd",
    "Restart": "the test asserts that the service never fails, so it is never restarted",
    "RestartSec": "see Restart=",
    "RemoveIPC": "acts after the service stopped (removes its SysV IPC objects)",
}


class Service:
    """The [Service] settings, merged the way systemd merges repeated assignments."""

    def __init__(self, entries, unit_name):
        self.unit_name = unit_name
        self.syscall_allow = None      # set of names (allow list), or None
        self.syscall_deny = None       # set of names (deny list), or None
        self.syscall_errno = None
        self.architectures_native = False
        self.address_families = None   # allowed family numbers, or None
        self.families_allow = True
        self.capability_bounding = None  # None: unchanged, else set of capability names
        self.load_credentials = []     # (id, path)
        self.flags = {}
        self.values = {}
        self.exec_start = self.exec_reload = None
        self.syscall_groups = None
        for section, key, value in entries:
            if section == "Service":
                self._take(key, value)

    def _groups(self):
        if self.syscall_groups is None:
            self.syscall_groups = syscall_groups()
        return self.syscall_groups

    def _expand(self, name):
        if not name.startswith("@"):
            return {name}
        groups = self._groups()
        if name not in groups:
            raise SetupError(1, f"unknown system call group {name}")
        out = set()
        for member in groups[name]:
            out |= self._expand(member)
        return out

    def _take(self, key, value):
        boolean_keys = ("NoNewPrivileges", "PrivateTmp", "PrivateDevices", "DynamicUser",
                        "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups",
                        "ProtectClock", "ProtectHostname", "RestrictRealtime",
                        "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute",
                        "RestrictNamespaces", "ProtectKernelLogs")
        if key in boolean_keys:
            self.flags[key] = boolean(value)
        elif key == "SystemCallFilter":
            self._syscall_filter(value)
        elif key == "SystemCallErrorNumber":
            if not hasattr(errno, value):
                raise SetupError(1, f"SystemCallErrorNumber={value}: not an errno name")
            self.syscall_errno = getattr(errno, value)
        elif key == "SystemCallArchitectures":
            if value.split() != ["native"]:
                raise SetupError(1, "SystemCallArchitectures= other than native is not handled")
            self.architectures_native = True
        elif key == "RestrictAddressFamilies":
            self._address_families(value)
        elif key == "CapabilityBoundingSet":
            self.capability_bounding = set(value.split()) if value else set()
        elif key == "AmbientCapabilities":
            if value:
                raise SetupError(1, "AmbientCapabilities= with capabilities is not handled")
        elif key == "LoadCredential":
            if not value:
                self.load_credentials = []
            else:
                cred_id, sep, path = value.partition(":")
                if not sep or not path.startswith("/"):
                    raise SetupError(1, f"LoadCredential={value}: only ID:/ABSOLUTE/PATH")
                self.load_credentials.append((cred_id, no_specifiers(key, path)))
        elif key in ("ExecStart", "ExecReload"):
            command = no_specifiers(key, value)
            if command.startswith(("@", "-", ":", "+", "!")):
                raise SetupError(1, f"{key}={value}: prefixes are not handled")
            setattr(self, "exec_start" if key == "ExecStart" else "exec_reload",
                    shlex.split(command))
        elif key in ("ProtectSystem", "ProtectHome", "ProtectProc", "ProcSubset", "UMask",
                     "StateDirectory", "StateDirectoryMode", "ConfigurationDirectory",
                     "ConfigurationDirectoryMode", "MemoryMax", "TimeoutStopSec"):
            self.values[key] = value
        elif key not in NOT_EMULATED:
            raise SetupError(1, f"[Service] {key}= is neither applied nor known to be "
                                "irrelevant here: teach tests/support/unit_sandbox.py about it")

    def _syscall_filter(self, value):
        if not value:
            self.syscall_allow = self.syscall_deny = None
            return
        invert = value.startswith("~")
        names = value[1:].split() if invert else value.split()
        if self.syscall_allow is None and self.syscall_deny is None:
            if invert:
                self.syscall_deny = set()
            else:
                # systemd: "Accept default syscalls if we are on an allow list".
                self.syscall_allow = set(self._expand("@default"))
        for name in names:
            if ":" in name:
                raise SetupError(1, f"SystemCallFilter={value}: per-call errno is not handled")
            expanded = self._expand(name)
            target = self.syscall_allow if self.syscall_allow is not None else self.syscall_deny
            # An entry of the list's own kind adds, the other kind removes.
            if invert != (self.syscall_allow is not None):
                target |= expanded
            else:
                target -= expanded

    def _address_families(self, value):
        if not value:
            self.address_families = None
            return
        invert = value.startswith("~")
        names = value[1:].split() if invert else value.split()
        numbers = set()
        for name in names:
            if not hasattr(socket, name):
                raise SetupError(1, f"RestrictAddressFamilies: unknown family {name}")
            numbers.add(int(getattr(socket, name)))
        if self.address_families is None:
            self.address_families, self.families_allow = numbers, not invert
        elif invert != (not self.families_allow):
            self.address_families |= numbers
        else:
            self.address_families -= numbers

    def value(self, key, default=None):
        return self.values.get(key, default)

    def flag(self, key):
        return self.flags.get(key, False)


def syscall_groups():
    """Every group `systemd-analyze syscall-filter` knows: {"@name": [members]}."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True,
                         capture_output=True, text=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif line.startswith(" ") and current is not None:
            entry = line.strip()
            if entry and not entry.startswith("#"):
                current.append(entry)
        elif not line.strip():
            current = None
    if "@default" not in groups or "@system-service" not in groups:
        raise SetupError(1, "systemd-analyze syscall-filter printed no groups")
    return groups


# --- seccomp ------------------------------------------------------------------------------

def add_rule(f, action, name, *args):
    # A name this architecture does not have (libseccomp resolves it to a negative pseudo
    # number) is skipped, as systemd skips it; any other error is a bug here and stops us.
    if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) >= 0:
        f.add_rule(action, name, *args)


def deny_filter(names, error):
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in sorted(names):
        add_rule(f, seccomp.ERRNO(error), name)
    return f


def seccomp_filters(svc):
    """The filters systemd stacks for these settings, in load order (the SystemCallFilter= one
    last: it may forbid seccomp(2) itself)."""
    filters = []
    eperm = seccomp.ERRNO(errno.EPERM)
    if svc.address_families is not None:
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        action = seccomp.ERRNO(errno.EAFNOSUPPORT)
        for family in range(AF_MAX):
            if (family in svc.address_families) != svc.families_allow:
                add_rule(f, action, "socket", seccomp.Arg(0, seccomp.EQ, family))
        if svc.families_allow:
            add_rule(f, action, "socket", seccomp.Arg(0, seccomp.GE, AF_MAX))
        filters.append(f)
    if svc.flag("RestrictNamespaces"):
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        # clone3's flags live in a struct no filter can read: systemd answers ENOSYS so glibc
        # falls back to clone(), whose flags are checked below.
        add_rule(f, seccomp.ERRNO(errno.ENOSYS), "clone3")
        add_rule(f, eperm, "setns")
        for flag in NAMESPACE_FLAGS.values():
            for call in ("unshare", "clone"):
                add_rule(f, eperm, call, seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        filters.append(f)
    if svc.flag("MemoryDenyWriteExecute"):
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        both = PROT_WRITE | PROT_EXEC
        add_rule(f, eperm, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, both, both))
        add_rule(f, eperm, "mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add_rule(f, eperm, "pkey_mprotect",
                 seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add_rule(f, eperm, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
        filters.append(f)
    if svc.flag("RestrictRealtime"):
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for policy in (1, 2, 6):  # SCHED_FIFO, SCHED_RR, SCHED_DEADLINE
            add_rule(f, eperm, "sched_setscheduler",
                     seccomp.Arg(1, seccomp.MASKED_EQ, 0xFF, policy))
        filters.append(f)
    if svc.flag("RestrictSUIDSGID") or svc.flag("DynamicUser"):
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for bit in (S_ISUID, S_ISGID):
            add_rule(f, eperm, "chmod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "fchmod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "fchmodat", seccomp.Arg(2, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "mkdir", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "mkdirat", seccomp.Arg(2, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "mknod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "mknodat", seccomp.Arg(2, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "creat", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "open", seccomp.Arg(1, seccomp.MASKED_EQ, O_CREAT, O_CREAT),
                     seccomp.Arg(2, seccomp.MASKED_EQ, bit, bit))
            add_rule(f, eperm, "openat", seccomp.Arg(2, seccomp.MASKED_EQ, O_CREAT, O_CREAT),
                     seccomp.Arg(3, seccomp.MASKED_EQ, bit, bit))
        add_rule(f, seccomp.ERRNO(errno.ENOSYS), "openat2")  # its mode is in a struct
        filters.append(f)
    if svc.flag("LockPersonality"):
        # Only the current personality (Linux) passes, as in systemd 252.
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        add_rule(f, eperm, "personality", seccomp.Arg(0, seccomp.NE, PER_LINUX))
        filters.append(f)
    protected = set()
    if svc.flag("ProtectKernelModules"):
        protected |= svc._expand("@module")
    if svc.flag("ProtectClock"):
        protected |= svc._expand("@clock")
    if svc.flag("ProtectHostname"):
        protected |= {"sethostname", "setdomainname"}
    if svc.flag("PrivateDevices"):
        protected |= svc._expand("@raw-io")
    if svc.flag("ProtectKernelLogs"):
        protected |= {"syslog"}
    if protected:
        filters.append(deny_filter(protected, errno.EPERM))
    if svc.syscall_allow is not None:
        default = (seccomp.ERRNO(svc.syscall_errno) if svc.syscall_errno is not None
                   else seccomp.KILL_PROCESS)
        f = seccomp.SyscallFilter(defaction=default)
        for name in sorted(svc.syscall_allow):
            add_rule(f, seccomp.ALLOW, name)
        filters.append(f)
    elif svc.syscall_deny is not None:
        action = (seccomp.ERRNO(svc.syscall_errno) if svc.syscall_errno is not None
                  else seccomp.KILL_PROCESS)
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for name in sorted(svc.syscall_deny):
            add_rule(f, action, name)
        filters.append(f)
    # Every filter has only the native architecture (libseccomp's default): with
    # SystemCallArchitectures=native a call through another ABI is killed, as systemd does.
    return filters


# --- mounts -------------------------------------------------------------------------------

def mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else s.encode()
    if libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise SetupError(EXIT_NAMESPACE, f"mount {source} on {target}: {os.strerror(err)}")


def mount_points():
    """(mount point, per-mount flags) of this mount namespace, parents first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            flags = 0
            for option in fields[5].split(","):
                flags |= {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                          "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME,
                          "relatime": MS_RELATIME}.get(option, 0)
            points.append((point, flags))
    return points


class MountNamespace:
    """Builds the service's view of the file system inside a new mount namespace."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.overlaid = set()
        self.writable = set()

    def enter(self):
        if libc.unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0:
            raise SetupError(EXIT_NAMESPACE, "unshare: " + os.strerror(ctypes.get_errno()))
        # Nothing done from here on propagates out of this namespace.
        mount(None, "/", None, MS_REC | MS_PRIVATE)

    def make_mount_point(self, path, is_dir):
        """Creates `path` if missing, in an overlay over its nearest existing ancestor, so the
        real directory is never written."""
        if os.path.lexists(path):
            return
        parent = os.path.dirname(path)
        while not os.path.isdir(parent):
            parent = os.path.dirname(parent)
        if parent not in self.overlaid:
            n = len(self.overlaid)
            upper = os.path.join(self.scratch, f"overlay{n}/upper")
            work = os.path.join(self.scratch, f"overlay{n}/work")
            os.makedirs(upper)
            os.makedirs(work)
            mount("overlay", parent, "overlay", 0,
                  f"lowerdir={parent},upperdir={upper},workdir={work}")
            self.overlaid.add(parent)
        if is_dir:
            os.makedirs(path)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()

    def bind(self, source, target, writable=False):
        self.make_mount_point(target, os.path.isdir(source))
        mount(source, target, None, MS_BIND | MS_REC)
        if writable:
            self.writable.add(target)

    def tmpfs(self, target, options, writable=True):
        self.make_mount_point(target, True)
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)
        if writable:
            self.writable.add(target)

    def private_dev(self):
        """PrivateDevices=yes: a /dev with only the pseudo devices."""
        # The nodes are bound from the host's /dev, which the tmpfs is about to hide: reach it
        # through a descriptor opened before.
        host_dev = os.open("/dev", os.O_PATH | os.O_DIRECTORY)
        mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")
        for name in ("null", "zero", "full", "random", "urandom", "tty"):
            open(f"/dev/{name}", "w").close()
            mount(f"/proc/self/fd/{host_dev}/{name}", f"/dev/{name}", None, MS_BIND)
        os.close(host_dev)
        os.makedirs("/dev/shm")
        mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        os.makedirs("/dev/pts")
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620")
        for link, to in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                         ("ptmx", "pts/ptmx")):
            os.symlink(to, f"/dev/{link}")
        self.writable |= {"/dev", "/dev/shm", "/dev/pts"}

    def read_only_everything_else(self, keep_as_is):
        """ProtectSystem=strict: every mount read-only, but the API file systems (/dev, /proc,
        /sys: ProtectKernelTunables= and ProtectControlGroups= make /sys read-only below) and
        what the service may write."""
        for point, flags in mount_points():
            if point in self.writable:
                continue
            if any(point == p or point.startswith(p.rstrip("/") + "/") for p in keep_as_is):
                continue
            mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | flags)


# --- the service --------------------------------------------------------------------------

def pick_dynamic_user(unit_name):
    """An unused uid/gid pair from systemd's DynamicUser= range (61184-65519)."""
    start = 61184 + (hash((unit_name, os.getpid())) % 4000)
    for uid in list(range(start, 65520)) + list(range(61184, start)):
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        try:
            grp.getgrgid(uid)
            continue
        except KeyError:
            return uid
    raise SetupError(EXIT_USER, "no free uid in 61184-65519")


def memory_cgroup(limit):
    """A child of our memory cgroup limited to `limit` bytes, or (None, why not)."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = [line.strip().split(":", 2) for line in f]
    except OSError as e:
        return None, str(e)
    name = f"unit-sandbox-{os.getpid()}"
    for _, controllers, path in lines:
        if "memory" in controllers.split(","):  # cgroup v1
            directory = f"/sys/fs/cgroup/memory{path.rstrip('/')}/{name}"
            limit_file = "memory.limit_in_bytes"
            break
    else:
        path = next((p for h, c, p in lines if h == "0"), None)
        if path is None or not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            return None, "no memory cgroup controller"
        directory = f"/sys/fs/cgroup{path.rstrip('/')}/{name}"
        limit_file = "memory.max"
    try:
        os.mkdir(directory)
        with open(os.path.join(directory, limit_file), "w") as f:
            f.write(str(limit))
        return directory, None
    except OSError as e:
        if os.path.isdir(directory):
            os.rmdir(directory)
        return None, f"{directory}: {e}"


def service_environment(svc, user, credentials_dir):
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "INVOCATION_ID": os.urandom(16).hex(),
        "SYSTEMD_EXEC_PID": str(os.getpid()),
    }
    if user is not None:
        env.update({"USER": user, "LOGNAME": user, "HOME": "/", "SHELL": "/usr/sbin/nologin"})
    if svc.value("StateDirectory"):
        env["STATE_DIRECTORY"] = "/var/lib/" + svc.value("StateDirectory")
    if svc.value("ConfigurationDirectory"):
        env["CONFIGURATION_DIRECTORY"] = "/etc/" + svc.value("ConfigurationDirectory")
    if credentials_dir:
        env["CREDENTIALS_DIRECTORY"] = credentials_dir
    return env


class Sandbox:
    def __init__(self, svc, args):
        self.svc = svc
        self.args = args
        self.dynamic = svc.flag("DynamicUser")
        self.uid = self.gid = pick_dynamic_user(svc.unit_name) if self.dynamic else None
        self.user = svc.unit_name.rsplit(".", 1)[0] if self.dynamic else None
        self.filters = seccomp_filters(svc)  # compiled before any fork: errors surface early
        with open("/proc/sys/kernel/cap_last_cap") as f:  # hidden by ProcSubset=pid later
            self.cap_last = int(f.read())
        self.cgroup = None
        if svc.value("MemoryMax"):
            self.cgroup, why = memory_cgroup(size_bytes(svc.value("MemoryMax")))
            say(f"MemoryMax={svc.value('MemoryMax')} " +
                (f"applied through {self.cgroup}" if self.cgroup else f"not applied: {why}"))
        self.state_dir = args.state_directory
        if self.state_dir and self.uid is not None:
            os.chown(self.state_dir, self.uid, self.gid)
        if self.state_dir:
            os.chmod(self.state_dir, int(svc.value("StateDirectoryMode", "0755"), 8))
        if args.configuration_directory:
            os.chmod(args.configuration_directory,
                     int(svc.value("ConfigurationDirectoryMode", "0755"), 8))

    def cleanup(self):
        if self.cgroup:
            try:
                os.rmdir(self.cgroup)
            except OSError as e:
                say(f"cannot remove {self.cgroup}: {e}")

    def spawn(self, argv, executable):
        """Forks a child that enters the sandbox and execs argv; returns its pid."""
        scratch = os.path.join(self.args.scratch, f"ns-{len(os.listdir(self.args.scratch))}")
        os.makedirs(scratch)
        pid = os.fork()
        if pid:
            return pid
        code = EXIT_NAMESPACE
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
            # IgnoreSIGPIPE=yes is systemd's default: SIGPIPE stays ignored across exec.
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
            os.setsid()
            if self.cgroup:
                code = EXIT_CGROUP
                with open(os.path.join(self.cgroup, "cgroup.procs"), "w") as f:
                    f.write("0")
            code = EXIT_NAMESPACE
            self.enter(scratch, executable)
            code = EXIT_UMASK
            os.umask(int(self.svc.value("UMask", "0022"), 8))
            code = EXIT_USER
            self.drop_privileges()
            code = EXIT_CHDIR
            os.chdir("/")
            env = service_environment(self.svc, self.user, self.credentials_dir)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))
            code = EXIT_SECCOMP
            for f in self.filters:
                f.load()
            code = EXIT_EXEC
            os.execve(argv[0], argv, env)
        except SetupError as e:
            say(str(e))
            os._exit(e.exit_code)
        except BaseException as e:  # noqa: BLE001 - the child must never return
            say(f"setting up the sandbox failed: {e!r}")
            os._exit(code)

    def enter(self, scratch, executable):
        svc, args = self.svc, self.args
        ns = MountNamespace(scratch)
        ns.enter()  # also a UTS namespace: ProtectHostname=
        # What the package installs, and the service's directories.
        if executable:
            ns.bind(executable, svc.exec_start[0])
        if svc.value("ConfigurationDirectory") and args.configuration_directory:
            ns.bind(args.configuration_directory, "/etc/" + svc.value("ConfigurationDirectory"))
        for spec in args.bind:
            source, _, target = spec.partition(":")
            ns.bind(source, target)
        if svc.value("StateDirectory"):
            if not self.state_dir:
                raise SetupError(EXIT_NAMESPACE, "StateDirectory= needs --state-directory")
            ns.bind(self.state_dir, "/var/lib/" + svc.value("StateDirectory"), writable=True)
        # LoadCredential=: read as root from the (bound) source, then handed to the user.
        self.credentials_dir = None
        if svc.load_credentials:
            self.credentials_dir = f"/run/credentials/{svc.unit_name}"
            ns.tmpfs(self.credentials_dir, "mode=0700", writable=False)
            for cred_id, path in svc.load_credentials:
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError as e:
                    raise SetupError(EXIT_CREDENTIALS,
                                     f"Failed to set up credentials: {path}: {e.strerror}")
                target = os.path.join(self.credentials_dir, cred_id)
                with open(target, "wb") as f:
                    f.write(data)
                os.chmod(target, 0o400)
                if self.uid is not None:
                    os.chown(target, self.uid, self.gid)
            os.chmod(self.credentials_dir, 0o500)
            if self.uid is not None:
                os.chown(self.credentials_dir, self.uid, self.gid)
        if svc.flag("ProtectKernelModules"):
            for modules in ("/usr/lib/modules", "/lib/modules"):
                if os.path.isdir(modules) and not os.path.islink(modules):
                    mount("tmpfs", modules, "tmpfs", MS_RDONLY, "mode=0000")
                    break
        if svc.flag("PrivateDevices"):
            ns.private_dev()
        if svc.flag("PrivateTmp") or self.dynamic:
            for tmp in ("/tmp", "/var/tmp"):
                mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
                ns.writable.add(tmp)
        # A fresh /proc: ProtectProc=invisible hides other users' processes, ProcSubset=pid
        # everything but the process directories.
        options = []
        if svc.value("ProtectProc", "default") != "default":
            options.append("hidepid=" + svc.value("ProtectProc"))
        if svc.value("ProcSubset", "all") == "pid":
            options.append("subset=pid")
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              ",".join(options) or None)
        strict = svc.value("ProtectSystem") == "strict" or self.dynamic
        if not strict and svc.value("ProtectSystem") is not None:
            raise SetupError(EXIT_NAMESPACE, "ProtectSystem= other than strict is not handled")
        if strict:
            keep = ["/proc"]
            if not (svc.flag("ProtectKernelTunables") or svc.flag("ProtectControlGroups")):
                keep.append("/sys")
            if not svc.flag("PrivateDevices"):
                keep.append("/dev")
            ns.read_only_everything_else(keep)

    def drop_privileges(self):
        svc = self.svc
        if svc.capability_bounding is not None:
            if svc.capability_bounding:
                raise SetupError(EXIT_CAPABILITIES, "a non-empty CapabilityBoundingSet= is not "
                                                    "handled")
            for cap in range(self.cap_last + 1):
                if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                    raise SetupError(EXIT_CAPABILITIES,
                                     "PR_CAPBSET_DROP: " + os.strerror(ctypes.get_errno()))
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        if self.uid is not None:
            try:
                os.setgroups([])
                os.setresgid(self.gid, self.gid, self.gid)
                os.setresuid(self.uid, self.uid, self.uid)
            except OSError as e:
                raise SetupError(EXIT_USER, f"cannot become uid {self.uid}: {e}")
        if svc.flag("NoNewPrivileges") or self.dynamic or self.filters:
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        # Dies with the harness (set after the uid change, which clears it).
        parent = os.getppid()
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)


def describe(status):
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return f"code=exited, status={code}/{'SUCCESS' if code == 0 else 'FAILURE'}", code
    sig = os.WTERMSIG(status)
    name = signal.Signals(sig).name[3:]
    return f"code=killed, status={sig}/{name}", 128 + sig


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("unit")
    parser.add_argument("--executable", required=True, help="bound at ExecStart's path")
    parser.add_argument("--configuration-directory", help="bound at /etc/ConfigurationDirectory")
    parser.add_argument("--state-directory", help="bound at /var/lib/StateDirectory, writable")
    parser.add_argument("--bind", action="append", default=[], help="SRC:DST, read-only")
    parser.add_argument("--scratch", required=True, help="an empty directory for overlays")
    args = parser.parse_args()
    if os.geteuid() != 0:
        say("needs root, as systemd does")
        return 1
    unit_name = os.path.basename(args.unit)
    try:
        svc = Service(parse_unit(args.unit), unit_name)
        if not svc.exec_start:
            raise SetupError(1, "the unit has no ExecStart=")
        sandbox = Sandbox(svc, args)
    except SetupError as e:
        say(str(e))
        return 1

    wanted = {signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        main_pid = sandbox.spawn(svc.exec_start, args.executable)
        say(f"MAINPID={main_pid}")
        stop_deadline = None
        reloads = []
        while True:
            info = signal.sigtimedwait(wanted, 0.2)
            for pid in list(reloads):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    reloads.remove(pid)
                    text, _ = describe(status)
                    say(f"ExecReload= finished: {text}")
            done, status = os.waitpid(main_pid, os.WNOHANG)
            if done:
                text, code = describe(status)
                say(f"main process exited, {text}")
                return code
            if info is None:
                if stop_deadline is not None and time.monotonic() > stop_deadline:
                    say("stop timed out (TimeoutStopSec=); killing")
                    os.kill(main_pid, signal.SIGKILL)
                    stop_deadline = float("inf")
                continue
            if info.si_signo == signal.SIGHUP and svc.exec_reload and stop_deadline is None:
                # systemctl reload: ExecReload= in the same sandbox, $MAINPID expanded.
                argv = [a.replace("${MAINPID}", str(main_pid)).replace("$MAINPID", str(main_pid))
                        for a in svc.exec_reload]
                reloads.append(sandbox.spawn(argv, None))
            elif info.si_signo in (signal.SIGTERM, signal.SIGINT) and stop_deadline is None:
                os.kill(main_pid, signal.SIGTERM)
                stop_deadline = time.monotonic() + seconds(svc.value("TimeoutStopSec", "90s"))
    finally:
        sandbox.cleanup()


if __name__ == "__main__":
    sys.exit(main())
