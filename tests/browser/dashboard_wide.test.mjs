// dashboard_wide.test.mjs - the dashboard for people at 1366 px, in Vietnamese and English
// (dashboard_lib.mjs walks it; dashboard.test.mjs at 360 px).
import { test } from 'node:test';
import { setup, walk } from './dashboard_lib.mjs';

setup('dashboard_wide');

for (const lang of ['vi', 'en']) {
  test(`dashboard at 1366 px in ${lang}: names, points over intervals, comparison, tables, one period`, () => walk(1366, lang));
}
