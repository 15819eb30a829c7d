#!/usr/bin/python3
"""build_pages.py SRC DEST: assembles the web pages at `make www`. SRC/_layout.html is the
chrome every page shares, with {{slots}}; every other SRC/**/*.html is a page: its front
matter (lines "name: value" between two "---" lines) fills the slots, and the rest is the
content of its <main>. Each page is written to the same path under DEST.

build_pages.py --finish DEST: run once the served tree is complete. Writes the English copy
of each page under DEST/en/ (the data-en* texts put in, so English needs no JavaScript),
gives each asset address in the pages its version (?v=, the first 8 bytes of the file's
BLAKE2b, as the service's ETag), so browsers may keep assets for a year, and writes x.gz
(gzip -9) and x.br (brotli) beside each text file where they are smaller
(docs/web.md, "Weight and compression"). Standard library and Debian's gzip and brotli."""
import hashlib
import html
import html.parser
import pathlib
import re
import subprocess
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


# --- the English copies ----------------------------------------------------------------

ENGLISH_DIR = 'en'
# Attributes whose English is in data-en-<name> (static/assets/common.js reads the same).
TEXT_ATTRS = ('placeholder', 'aria-label', 'title')
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source',
        'track', 'wbr'}
# The language switch of _layout.html, and what it becomes on an English page.
SWITCH_VI = '<a id="lang-switch" class="button" href="?lang=en" lang="en" hreflang="en">English</a>'
SWITCH_EN = '<a id="lang-switch" class="button" href="?lang=vi" lang="vi" hreflang="vi">Tiếng Việt</a>'


class Translatable(html.parser.HTMLParser):
    """Finds the elements with data-en* attributes: for each, where its start tag and its
    content lie in the text (offsets) and its attributes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.line_start = [0]
        for line in text.splitlines(keepends=True):
            self.line_start.append(self.line_start[-1] + len(line))
        self.stack = []    # [tag, element or None]
        self.found = []    # {'tag_start', 'tag_end', 'attrs', 'content': (start, end)|None}

    def position(self):
        line, col = self.getpos()
        return self.line_start[line - 1] + col

    def handle_starttag(self, tag, attrs):
        start = self.position()
        end = start + len(self.get_starttag_text())
        names = [a for a, _ in attrs]
        element = None
        if any(a == 'data-en' or a.startswith('data-en-') for a in names):
            element = {'tag': tag, 'tag_start': start, 'tag_end': end, 'attrs': attrs,
                       'content': None}
            self.found.append(element)
        if tag not in VOID:
            self.stack.append([tag, element, end])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        start = self.position()
        while self.stack:
            name, element, content_start = self.stack.pop()
            if element is not None:
                element['content'] = (content_start, start)
            if name == tag:
                break


def start_tag(tag, attrs):
    out = '<' + tag
    for name, value in attrs:
        out += ' ' + name if value is None else ' %s="%s"' % (name, html.escape(value))
    return out + '>'


def english(text, path):
    """The page text with its English put in: data-en as the element's text (the
    Vietnamese kept in data-vi), data-en-<attr> as <attr> (kept in data-vi-<attr>), as
    common.js does when a reader switches; lang="en" and the switch back to Vietnamese."""
    parser = Translatable(text)
    parser.feed(text)
    parser.close()
    edits = []  # (start, end, replacement)
    for e in parser.found:
        attrs = dict(e['attrs'])
        new = []
        for name, value in e['attrs']:
            if name in TEXT_ATTRS and 'data-en-' + name in attrs:
                new += [(name, attrs['data-en-' + name]), ('data-vi-' + name, value or '')]
            else:
                new.append((name, value))
        for name in TEXT_ATTRS:
            if 'data-en-' + name in attrs and name not in attrs:
                new += [(name, attrs['data-en-' + name]), ('data-vi-' + name, '')]
        if 'data-en' in attrs:
            if e['content'] is None:
                fail(path, '<%s data-en> has no end tag' % e['tag'])
            start, end = e['content']
            vi = html.unescape(re.sub(r'<[^>]*>', '', text[start:end]))
            new.append(('data-vi', vi))
            edits.append((start, end, html.escape(attrs['data-en'] or '', quote=False)))
        edits.append((e['tag_start'], e['tag_end'], start_tag(e['tag'], new)))
    # A translated element's content replaces whatever was inside it, as in the browser.
    contents = [(e['content'][0], e['content'][1]) for e in parser.found
                if 'data-en' in dict(e['attrs'])]
    kept = [x for x in edits
            if not any(s <= x[0] and x[1] <= e and (s, e) != x[:2] for s, e in contents)]
    for start, end, replacement in sorted(kept, reverse=True):
        text = text[:start] + replacement + text[end:]
    if text.count('<html lang="vi">') != 1 or text.count(SWITCH_VI) != 1:
        fail(path, 'has no <html lang="vi"> or no language switch to turn into English')
    return text.replace('<html lang="vi">', '<html lang="en">').replace(SWITCH_VI, SWITCH_EN)


# --- versions and compression ---------------------------------------------------------

# Addresses in the pages of files whose bytes can be named by their hash.
ASSET_REF = re.compile(r'((?:src|href)=")(/[^"?#]+\.(?:js|css|svg|png|ico|woff2))(")')
# What is worth compressing: text.
COMPRESSIBLE = ('.html', '.css', '.js', '.json', '.svg', '.txt', '.webmanifest')


def version_of(path):
    """The file's version: as its ETag in server/http/webfiles.c (BLAKE2b, 8 bytes)."""
    return hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()


def version_assets(dest, page):
    def versioned(m):
        target = dest / m.group(2).lstrip('/')
        if not target.is_file():
            return m.group(0)
        return '%s%s?v=%s%s' % (m.group(1), m.group(2), version_of(target), m.group(3))
    page.write_text(ASSET_REF.sub(versioned, page.read_text(encoding='utf-8')), encoding='utf-8')


def compress(path):
    """Writes path.gz and path.br, each only when smaller than the file."""
    size = path.stat().st_size
    for ext, command in (('.gz', ['gzip', '-9', '-n', '-c', str(path)]),
                         ('.br', ['brotli', '-q', '11', '-c', str(path)])):
        data = subprocess.run(command, check=True, capture_output=True).stdout
        if len(data) < size:
            path.with_name(path.name + ext).write_bytes(data)


def finish(dest):
    pages = [p for p in sorted(dest.rglob('*.html'))
             if p.relative_to(dest).parts[0] != ENGLISH_DIR]
    for page in pages:
        out = dest / ENGLISH_DIR / page.relative_to(dest)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(english(page.read_text(encoding='utf-8'), page), encoding='utf-8')
    for page in sorted(dest.rglob('*.html')):
        version_assets(dest, page)
    for path in sorted(dest.rglob('*')):
        if path.is_file() and path.suffix in COMPRESSIBLE:
            compress(path)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--finish':
        finish(pathlib.Path(sys.argv[2]))
        return
    if len(sys.argv) != 3:
        sys.exit('usage: build_pages.py SRC DEST | build_pages.py --finish DEST')
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
