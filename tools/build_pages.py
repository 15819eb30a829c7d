#!/usr/bin/python3
"""build_pages.py SRC DEST: assembles the web pages at `make www`. SRC/_layout.html is the
chrome every page shares, with {{slots}}; every other SRC/**/*.html is a page: its front
matter (lines "name: value" between two "---" lines) fills the slots, and the rest is the
content of its <main>. Each page is written to the same path under DEST. Standard library
only, so the build needs nothing that is not already on the machine."""
import html
import pathlib
import re
import sys

SLOT = re.compile(r'\{\{([a-z-]+)\}\}')
# Slots that hold a list of addresses, separated by spaces: their layout line is written
# once for each.
LIST_SLOTS = ('styles', 'scripts')
# The page's own content: HTML, written as it stands; every other value is text.
MAIN = 'main'


def fail(path, why):
    sys.exit('build_pages: %s: %s' % (path, why))


def split_front_matter(path):
    """Returns (values, rest): the front matter's "name: value" lines as a dict (lines
    starting with # are comments) and the text after it."""
    text = path.read_text(encoding='utf-8')
    if not text.startswith('---\n') or '\n---\n' not in text:
        fail(path, 'does not start with a front matter between two "---" lines')
    head, rest = text[4:].split('\n---\n', 1)
    values = {}
    for line in head.split('\n'):
        if not line.strip() or line.startswith('#'):
            continue
        name, colon, value = line.partition(':')
        if not colon or not re.fullmatch(r'[a-z-]+', name):
            fail(path, 'front matter line is not "name: value": %r' % line)
        values[name] = value.strip()
    return values, rest


def mark_current(layout, url):
    """The layout with aria-current="page" on the navigation's link to url (a page that is
    not in the navigation, such as /admin/, has none)."""
    start, end = layout.index('<nav'), layout.index('</nav>')
    link = '<a href="%s"' % url
    nav = layout[start:end]
    if nav.count(link) > 1:
        sys.exit('build_pages: the navigation links to %s twice' % url)
    return layout[:start] + nav.replace(link, link + ' aria-current="page"') + layout[end:]


def fill(layout, values):
    """The layout with its slots filled: a line whose slot is empty is left out, a line with
    a list slot is written once for each of its items."""
    out = []
    for line in layout.splitlines(keepends=True):
        names = SLOT.findall(line)
        if any(n in LIST_SLOTS for n in names):
            out.extend(SLOT.sub(lambda m, item=item: html.escape(item), line)
                       for item in values[names[0]].split())
        elif all(values[n] for n in names):
            out.append(SLOT.sub(lambda m: values[m.group(1)] if m.group(1) == MAIN
                                else html.escape(values[m.group(1)]), line))
    return ''.join(out)


def url_of(rel):
    """The address a page is served at: /x/ for x/index.html, /x/y for x/y.html
    (server/http/webfiles.c)."""
    if rel.name == 'index.html':
        parent = rel.parent.as_posix()
        return '/' if parent == '.' else '/%s/' % parent
    return '/' + rel.as_posix().removesuffix('.html')


def build_page(layout, defaults, src, rel, dest):
    values, main = split_front_matter(src / rel)
    unknown = set(values) - set(defaults)
    if unknown:
        fail(src / rel, 'sets slots the layout does not have: %s' % ', '.join(sorted(unknown)))
    if not values.get('title'):
        fail(src / rel, 'has no title')
    values = {**defaults, **values, MAIN: main.removesuffix('\n')}
    page = fill(mark_current(layout, url_of(rel)), values)
    out = dest / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding='utf-8')


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: build_pages.py SRC DEST')
    src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    layout_path = src / '_layout.html'
    defaults, layout = split_front_matter(layout_path)
    for name in SLOT.findall(layout):
        if name != MAIN and name not in defaults:
            fail(layout_path, 'slot {{%s}} is not in its front matter' % name)
    for path in sorted(src.rglob('*.html')):
        if not path.name.startswith('_'):
            build_page(layout, defaults, src, path.relative_to(src), dest)


if __name__ == '__main__':
    main()
