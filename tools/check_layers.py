#!/usr/bin/env python3
"""Checks the #include "..." lines of server/ and tools/ against the layer rules of
docs/architecture.md (its ```layers block: each folder and the folders it may include
besides itself), that no two modules include each other, directly or round a
longer loop, and that each folder of server/ has a README.md. Prints one TAP line for `make test` (tests/run.sh), after a line per broken
rule naming the file, the include and the rule; exits 1 when anything is broken.

Usage: tools/check_layers.py [repository root, default: the one holding this file]"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), ".."))
RULES_DOC = "docs/architecture.md"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_rules():
    """{folder: set of folders it may include}, from the ```layers block."""
    rules, inside = {}, False
    with open(os.path.join(ROOT, RULES_DOC), encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                if inside:
                    break
                inside = line.strip() == "```layers"
                continue
            words = line.split("#", 1)[0].split()
            if inside and words:
                folder = words[0].rstrip(":").rstrip("/")
                rules[folder] = {w.rstrip("/") for w in words[1:]} | {folder}
    if not rules:
        sys.exit(f"not ok 1 - no ```layers block in {RULES_DOC}")
    return rules


def folder_of(path):
    """The layer a file belongs to: server/<folder>/..., "wiring" for server/*.[ch],
    "tools" for tools/."""
    parts = path.split("/")
    if parts[0] == "server":
        return parts[1] if len(parts) > 2 else "wiring"
    return parts[0]


def sources():
    for top in ("server", "tools"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, name), ROOT)


def resolve(path, target):
    """Where the compiler finds target: next to the including file, then in server/
    (-Iserver). None for a file of neither (a system header written with quotes)."""
    for base in (os.path.dirname(path), "server"):
        candidate = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(ROOT, candidate)):
            return candidate
    return None


def module(path):
    """x.c and x.h are one module."""
    return os.path.splitext(path)[0]


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def shortest_loop(edges, component):
    """The shortest path from the component's first module back to itself."""
    start, members = component[0], set(component)
    came_from, frontier = {start: None}, [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(edges.get(v, ())):
                if w == start:
                    path = [v]
                    while came_from[path[-1]] is not None:
                        path.append(came_from[path[-1]])
                    return [start] + path[::-1][1:] + [start]
                if w in members and w not in came_from:
                    came_from[w] = v
                    following.append(w)
        frontier = following
    return [start]


def main():
    sys.setrecursionlimit(10000)
    rules = read_rules()
    problems, edges, where, count = [], {}, {}, 0
    for path in sources():
        layer = folder_of(path)
        if layer not in rules:
            problems.append(f"{path}: folder '{layer}' has no rule in {RULES_DOC} "
                            "(add it to the ```layers block)")
            continue
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                count += 1
                target = resolve(path, m.group(1))
                at = f'{path}:{number}: #include "{m.group(1)}"'
                if target is None:
                    problems.append(f"{at}: no such file next to it or in server/")
                    continue
                to = folder_of(target)
                if path.startswith("server/") and target.startswith("server/") \
                        and m.group(1) != target[len("server/"):]:
                    problems.append(f'{at}: write it from server/ ("{target[len("server/"):]}")'
                                    ", so the folder shows")
                if "*" not in rules[layer] and to not in rules[layer]:
                    allowed = ", ".join(sorted(rules[layer] - {layer})) or "nothing"
                    problems.append(f"{at}: {layer}/ may not include {to}/ "
                                    f"({layer}/ may include {allowed} besides itself; "
                                    f"{RULES_DOC})")
                if module(target) != module(path):
                    edges.setdefault(module(path), set()).add(module(target))
                    where.setdefault((module(path), module(target)), at)
    for folder in sorted(os.listdir(os.path.join(ROOT, "server"))):
        if os.path.isdir(os.path.join(ROOT, "server", folder)) and \
                not os.path.isfile(os.path.join(ROOT, "server", folder, "README.md")):
            problems.append(f"server/{folder}/ has no README.md saying what it owns and "
                            "what it may include")
    for component in cycles(edges):
        loop = shortest_loop(edges, component)
        steps = "; ".join(where[(a, b)] for a, b in zip(loop, loop[1:]))
        problems.append(f"include cycle among {len(component)} modules ("
                        + ", ".join(component) + "), for one: " + steps
                        + " (make one depend on the other only)")
    for p in problems:
        print(p)
    if problems:
        print(f"not ok 1 - include layers: {len(problems)} broken rule(s) in {count} includes")
        return 1
    print(f"ok 1 - include layers: {count} includes follow {RULES_DOC}, no cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
