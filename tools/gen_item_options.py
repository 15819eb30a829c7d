#!/usr/bin/python3
"""gen_item_options.py PAKNCTL PAGE PLAN.txt...: writes every item of the plans into PAGE
(build/www/index.html) as <option>s grouped by plan, in place of the line
"<!-- item options -->", so the citizen form can be used without JavaScript. The plans are
read with `paknctl import-plan --dry-run`, the same parser that loads the database. An item
no agency answers (no lead, no coordinating agency, and a plan without a default_agency) is
left out: the service refuses feedback on it (item_unanswerable, docs/intake.md)."""
import html
import json
import subprocess
import sys


def main():
    paknctl, page, plans = sys.argv[1], sys.argv[2], sys.argv[3:]
    groups = []
    for path in plans:
        doc = json.loads(subprocess.run([paknctl, 'import-plan', path, '--dry-run'],
                                        check=True, capture_output=True, text=True).stdout)
        options = []
        default = doc['plan'].get('default_agency')
        for item in doc['items']:
            if not (item['lead'] or item['coordinating'] or default):
                continue
            title = item['title'].replace('\n', ' ')
            if len(title) > 110:
                title = title[:107].rstrip() + '…'
            options.append('<option value="%s">%s — %s</option>'
                           % (html.escape(item['code']), html.escape(item['code']),
                              html.escape(title)))
        plan = doc['plan']
        groups.append('<optgroup label="%s">\n%s\n</optgroup>'
                      % (html.escape(plan['code'] + ' — ' + plan['province']), '\n'.join(options)))
    with open(page, encoding='utf-8') as f:
        text = f.read()
    marker = '<!-- item options -->'
    if text.count(marker) != 1:
        sys.exit('gen_item_options: %s has no single "%s" line' % (page, marker))
    with open(page, 'w', encoding='utf-8') as f:
        f.write(text.replace(marker, '\n'.join(groups)))


if __name__ == '__main__':
    main()
