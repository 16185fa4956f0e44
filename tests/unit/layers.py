#!/usr/bin/env python3
"""The layering rules the compiler cannot see, as an allowlist.

The compiler already refuses an include of another layer's header that the
layer does not depend on (each library sees only its own headers and those
of the layers below it, CMakeLists.txt). What it cannot see, this checks on
every file of src/LAYER/ and include/relinkd/LAYER/:

- system headers: each layer may include only the kinds allowed below (a
  pure layer no Poco::Net, no SQLite, no systemd, no POSIX beyond a few);
- relative paths: a quoted include is either "relinkd/LAYER/X.h" of an
  allowed layer or a plain "X.h" that exists beside the file, never
  "../net/X.h" nor "sqlite3.h" (found on the system path); an include of a
  macro is refused, since it cannot be judged;
- the time: only the real clock (src/domain/Clock.cpp) and the adapters'
  socket timers (src/net, src/daemon) read it directly.

Usage: layers.py [ROOT]        check the tree (exit 1 naming every offence)
       layers.py --self-test   check that each kind of break is refused
"""
import os
import re
import shutil
import sys
import tempfile

# layer -> the layers whose public headers it may include (itself
# included); the same graph as the relinkd_layer() calls in CMakeLists.txt.
DEPENDS = {
    "domain": {"domain"},
    "policy": {"policy", "domain"},
    "ports": {"ports", "domain"},
    "engine": {"engine", "policy", "ports", "domain"},
    "store": {"store", "ports", "domain"},
    "io": {"io", "ports", "domain"},
    "config": {"config", "domain"},
    "net": {"net", "engine", "policy", "ports", "domain"},
    "daemon": {"daemon", "net", "engine", "policy", "ports", "store", "io", "config", "domain"},
    "ctl": {"ctl", "net", "engine", "policy", "store", "io", "config", "ports", "domain"},
}

# Kinds of system header, by the path inside <...>.
def header_kind(path):
    if "/" not in path and not path.endswith(".h"):
        return "std"  # <string>, <map>, ...
    if path.startswith("Poco/Net/"):
        return "poco-net"
    if path.startswith("Poco/Util/"):
        return "poco-util"
    if path.startswith(("Poco/JSON/", "Poco/Dynamic/")) or path == "Poco/JSONString.h":
        return "poco-json"
    if re.fullmatch(r"Poco/[A-Za-z0-9]+\.h", path):
        return "poco-foundation"
    if path.startswith("Poco/"):
        return "poco-other"
    if path.startswith("openssl/"):
        return "openssl"
    if path == "sqlite3.h":
        return "sqlite"
    if path.startswith("systemd/"):
        return "systemd"
    if path.startswith("doctest/"):
        return "doctest"
    return "posix"

PURE_POSIX = {"pthread.h", "arpa/inet.h", "strings.h"}  # what the pure layers need of libc
POSIX_LAYERS = {"store", "io", "config", "net", "daemon", "ctl"}
ALLOWED = {
    "domain": {"std", "poco-foundation", "poco-json"},
    "policy": {"std", "poco-foundation", "poco-json"},
    "ports": {"std"},
    "engine": {"std", "poco-foundation"},
    "store": {"std", "poco-foundation", "posix", "sqlite"},
    "io": {"std", "poco-foundation", "posix"},
    "config": {"std", "poco-foundation", "poco-util", "posix"},
    "net": {"std", "poco-foundation", "poco-json", "poco-net", "openssl", "posix"},
    "daemon": {"std", "poco-foundation", "poco-json", "poco-net", "poco-util", "posix"},
    "ctl": {"std", "poco-foundation", "poco-json", "posix"},
}
# Who may read the time directly: the real clock, and the adapters' socket
# timers (a connection's deadline is not the engine's time).
TIME_READ = re.compile(r"(steady_clock|system_clock|high_resolution_clock)::now\b|"
                       r"\bPoco::(Timestamp|Clock|LocalDateTime|DateTime)\b(?!::)|"
                       r"\b(gettimeofday|clock_gettime|timespec_get|ftime)\s*\(|"
                       r"(?<![\w.>])(std::)?time\s*\(")
TIME_ALLOWED = ("src/domain/Clock.cpp", "src/net/", "src/daemon/")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
ANY_INCLUDE = re.compile(r'^\s*#\s*include\b')  # also '#include MACRO', which INCLUDE cannot judge
# A comment or a string that mentions an include is not one: only lines
# that begin with '#' (after blanks) are read, as the preprocessor does.


def files_of(root):
    """(layer, path relative to root) of every source and public header."""
    for layer in DEPENDS:
        for top in (os.path.join("src", layer), os.path.join("include", "relinkd", layer)):
            base = os.path.join(root, top)
            if not os.path.isdir(base):
                continue
            for dirpath, _, names in os.walk(base):
                for name in sorted(names):
                    if name.endswith((".h", ".hpp", ".cpp")):
                        yield layer, os.path.relpath(os.path.join(dirpath, name), root)


# A public header is read by every layer above its own: it passes on no
# library of its layer's implementation (no sqlite3.h in the store's
# contract, no Poco::Net in the transport's).
PUBLIC_HEADER_KINDS = {"std", "poco-foundation", "poco-json", "posix"}


def check_include(layer, rel, bracket, path, root="."):
    if bracket == "<":
        kind = header_kind(path)
        if rel.startswith("include/") and kind not in PUBLIC_HEADER_KINDS:
            return "<%s> (%s) in a public header: keep it in the layer's sources" % (path, kind)
        if kind in ALLOWED[layer]:
            return None
        if kind == "posix" and path in PURE_POSIX and layer in ("domain", "policy"):
            return None
        return "<%s> (%s) is not for the %s layer" % (path, kind, layer)
    match = re.fullmatch(r"relinkd/([a-z]+)/[A-Za-z0-9_]+\.h", path)
    if match:
        other = match.group(1)
        if other in DEPENDS[layer]:
            return None
        return '"%s": the %s layer does not depend on %s' % (path, layer, other)
    if re.fullmatch(r"[A-Za-z0-9_]+\.h", path):
        if os.path.isfile(os.path.join(root, os.path.dirname(rel), path)):
            return None  # beside the file, in its own layer
        # "sqlite3.h" would be found on the system path: judged as <sqlite3.h>,
        # and a quoted system header is refused anyway.
        return '"%s" is not beside the file: a system header is included as <%s>' % (path, path)
    return '"%s": a quoted include is "relinkd/LAYER/X.h" or a header beside the file, not a path' % path


def check(root):
    problems = []
    for layer, rel in files_of(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as text:
            for number, line in enumerate(text, 1):
                match = INCLUDE.match(line)
                if match:
                    problem = check_include(layer, rel, match.group(1), match.group(2), root)
                    if problem:
                        problems.append("%s:%d: %s" % (rel, number, problem))
                elif ANY_INCLUDE.match(line):
                    problems.append("%s:%d: an #include of a macro cannot be checked; name the header" % (rel, number))
                code = line.split("//", 1)[0]
                if TIME_READ.search(code) and not rel.startswith(TIME_ALLOWED):
                    problems.append("%s:%d: reads the time directly; read it through a Clock" % (rel, number))
    return problems


# Each break the compiler cannot see, and a file it is put in.
BREAKS = [
    ("src/domain/Job.cpp", "#  include <Poco/Net/HTTPRequest.h>"),
    ("src/engine/Engine.cpp", "#include <Poco/Net/SocketAddress.h>"),
    ("src/daemon/Daemon.cpp", '#include "../net/PocoTls.h"'),
    ("src/daemon/Daemon.cpp", '#include "../../include/relinkd/store/SqliteJobStore.h"'),
    ("include/relinkd/store/SqliteJobStore.h", "#include <sqlite3.h>"),
    ("include/relinkd/domain/Job.h", '#include "relinkd/engine/Engine.h"'),
    ("src/ctl/main.cpp", '#include "../daemon/Daemon.h"'),
    ("src/policy/Outcome.cpp", "#include <systemd/sd-daemon.h>"),
    ("src/engine/Engine.cpp", "auto t = std::chrono::system_clock::now();"),
    ("src/io/JobFile.cpp", "#include <Poco/Util/Application.h>"),
    ("src/engine/Engine.cpp", '#include "sqlite3.h"'),
    ("src/domain/Job.cpp", '#include "unistd.h"'),
    ("src/engine/Engine.cpp", "#define NET <Poco/Net/SocketAddress.h>\n#include NET"),
    ("src/engine/Engine.cpp", "Poco::Timestamp now;"),
    ("src/policy/Outcome.cpp", "const auto t = std::time(0);"),
    ("src/store/Sqlite.cpp", "Poco::Clock started;"),
]


def self_test(root):
    failures = 0
    if check(root):
        print("layers self-test: the tree itself does not pass")
        return 1
    for target, line in BREAKS:
        with tempfile.TemporaryDirectory() as scratch:
            for top in ("src", "include"):
                shutil.copytree(os.path.join(root, top), os.path.join(scratch, top))
            with open(os.path.join(scratch, target), "a", encoding="utf-8") as out:
                out.write("\n" + line + "\n")
            found = [p for p in check(scratch) if p.startswith(target + ":")]
            if not found:
                print("layers self-test: NOT refused: %s in %s" % (line, target))
                failures += 1
            else:
                print("refused: %s" % found[0])
    print("layers self-test: %d passed, %d failed" % (len(BREAKS) - failures, failures))
    return 1 if failures else 0


def main(argv):
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test(argv[2] if len(argv) > 2 else here)
    root = argv[1] if len(argv) > 1 else here
    problems = check(root)
    for problem in problems:
        print("layers: " + problem)
    print("layers: %d passed, %d failed" % (0 if problems else 1, 1 if problems else 0))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
