// run.mjs - `make test-hostile`: raw-socket regression tests, one file per kind of attack in
// cases/ (each exports `name` and `async run(t)`), against the release server and a
// throwaway PostgreSQL. Prints TAP lines, and the figures the cases measure (memory,
// CPU, time) as "# figure:" lines, which docs/performance.md and docs/operations.md quote.
//   node tests/hostile/run.mjs [case-file-substring]
import fs from 'node:fs';
import path from 'node:path';
import { root, setup, teardown } from './lib.mjs';

const only = process.argv[2] || '';
const dir = path.join(root, 'tests/hostile/cases');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.mjs') && f.includes(only)).sort();

let n = 0;
let failed = 0;
const figures = [];
setup();
try {
  for (const f of files) {
    const mod = await import(path.join(dir, f));
    // t.ok(cond, what) records one check; t.figure(what, value, unit) one measurement.
    const t = {
      ok(cond, what) {
        n++;
        if (cond) console.log(`ok ${n} - ${mod.name}: ${what}`);
        else { failed++; console.log(`not ok ${n} - ${mod.name}: ${what}`); }
        return cond;
      },
      figure(what, value, unit = '') {
        const line = `${mod.name}: ${what} = ${value}${unit ? ' ' + unit : ''}`;
        figures.push(line);
        console.log(`# figure: ${line}`);
      },
      log(msg) { console.log(`# ${msg}`); },
    };
    try {
      await mod.run(t);
    } catch (e) {
      n++;
      failed++;
      console.log(`not ok ${n} - ${mod.name}: threw ${String(e.stack || e).split('\n').join('\n# ')}`);
    }
  }
} finally {
  teardown();
}
console.log(`1..${n}`);
console.log('# figures:');
for (const f of figures) console.log(`#   ${f}`);
console.log(`# ${n - failed} passed, ${failed} failed`);
process.exit(failed === 0 && n > 0 ? 0 : 1);
