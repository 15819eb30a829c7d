#!/usr/bin/python3
"""gen_item_options.py PAKNCTL PAGE PLAN.txt...: writes every item of the plans into PAGE
(build/www/index.html) as <option>s, in place of the line "<!-- item options -->", so the
citizen form can be used without JavaScript. One <optgroup> per section of each plan,
labelled with the province and the section's full title, in the plan's own order; each
option is the item's full title with its code after it. The plans are read with
`paknctl import-plan --dry-run`, the same parser that loads the database. An item no
agency answers (no lead, no coordinating agency, and a plan without a default_agency) is
left out: the service refuses feedback on it (item_unanswerable, docs/intake.md).

The plan's first group also offers "the whole plan" and each section's group "the whole
section" (plan_item.scope, docs/catalog.md), under the codes the catalog gives them: the
plan's code and <prefix>-<T|I>-<section>. They are answered by the plan's default agency,
so a plan without one offers neither."""
import html
import json
import subprocess
import sys



def option(code, title):
    return '<option value="%s">%s (%s)</option>' % (html.escape(code), html.escape(title),
                                                   html.escape(code))


def plan_groups(doc):
    plan = doc['plan']
    default = plan.get('default_agency')
    whole = bool(default)
    kind_word = {'task': 'Nhiệm vụ', 'indicator': 'Chỉ tiêu'}
    groups = []
    for section in sorted(doc['sections'], key=lambda s: s['position']):
        options = []
        if whole and not groups:
            options.append(option(plan['code'], 'Toàn bộ kế hoạch: ' + plan['title']))
        if whole:
            code = '%s-%s-%s' % (plan['prefix'], 'T' if section['kind'] == 'task' else 'I',
                                 section['code'])
            options.append(option(code, 'Toàn bộ mục %s. %s' % (section['code'], section['title'])))
        for item in doc['items']:
            if item['kind'] != section['kind'] or item['section'] != section['code']:
                continue
            if not (item['lead'] or item['coordinating'] or default):
                continue
            options.append(option(item['code'], ' '.join(item['title'].split())))
        if options:
            label = 'Tỉnh %s · %s · %s. %s' % (plan['province'], kind_word[section['kind']],
                                              section['code'], section['title'])
            groups.append('<optgroup label="%s">\n%s\n</optgroup>'
                          % (html.escape(label), '\n'.join(options)))
    return groups


def main():
    paknctl, page, plans = sys.argv[1], sys.argv[2], sys.argv[3:]
    groups = []
    for path in plans:
        doc = json.loads(subprocess.run([paknctl, 'import-plan', path, '--dry-run'],
                                        check=True, capture_output=True, text=True).stdout)
        groups.extend(plan_groups(doc))
    with open(page, encoding='utf-8') as f:
        text = f.read()
    marker = '<!-- item options -->'
    if text.count(marker) != 1:
        sys.exit('gen_item_options: %s has no single "%s" line' % (page, marker))
    with open(page, 'w', encoding='utf-8') as f:
        f.write(text.replace(marker, '\n'.join(groups)))


if __name__ == '__main__':
    main()
