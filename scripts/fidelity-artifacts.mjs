#!/usr/bin/env node
// Regenerates what docs/FIDELITY.md shows from the stores its runs live in: the record of each
// run finished since the last time (`hkd runs show --epochs --json`), the two results-only
// bundles, and the 200 → 20 figures. Usage: node scripts/fidelity-artifacts.mjs (after
// `npx electron-vite build`).
// FIDELITY_HOME (default /work/hkd-fidelity): the 200 → 20 runs; SWEEPS_HOME (default
// /work/hkd-sweeps): the 32 → 4 runs. The 32 → 4 figures are fixed (those runs are finished).
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'docs', 'fidelity');
const images = join(root, 'docs', 'images');
const homes = {
  fidelity: process.env.FIDELITY_HOME ?? '/work/hkd-fidelity',
  sweeps: process.env.SWEEPS_HOME ?? '/work/hkd-sweeps',
};
const hkd = (home, ...args) =>
  execFileSync(process.execPath, [join(root, 'bin', 'hkd.cjs'), '--home', home, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });

/** "student-20 (seed 1)" → "student-20-seed1"; the sweeps' labels ("num-tas 32→4: DE (seed 0)") too. */
const slug = (label) =>
  label
    .toLowerCase()
    .replace(/\(seed (\d+)\)/g, 'seed$1')
    .replace(/→/g, '-')
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^-|-$/g, '');

const finished = (home) =>
  JSON.parse(hkd(home, 'runs', 'list', '--json')).runs.filter((r) => r.status === 'completed');

// FIDELITY.md's run ids and the labels that name the same runs in any store: a store rebuilt from
// the bundle (scripts/fidelity-queue.mjs) numbers them otherwise (the page's table under "New
// machines"), so records keep the page's ids in their names and figures find runs by label.
const links = (from, first, step, count, name) =>
  Array.from({ length: count }, (_, i) => [from + i, `${name} ${first - i * step}`]);
const PAGE = new Map([
  [1, 'teacher-200'],
  [2, 'student-20'],
  [3, 'de-20'],
  [4, 'hyperkdma-de-m2-20'],
  [5, 'student-20 (seed 1)'],
  [6, 'student-20 (seed 2)'],
  [7, 'teacher-200 (seed 1)'],
  [8, 'de-20 (seed 1)'],
  [9, 'teacher-200 (seed 2)'],
  [10, 'de-20 (seed 2)'],
  [16, 'hyperkdma-de-m2-20 (seed 1)'],
  [17, 'hyperkdma-de-m2-20 (seed 2)'],
  [18, 'hyperkdma-de-m2-20 frozen'],
  [19, 'hyperkdma-de-m2-20 normalised'],
  [20, 'hyperkdma-de-m8-20'],
  [21, 'phr-20'],
  [22, 'de-20 early-stop any'],
  ...links(23, 180, 20, 8, 'TAKD-DE link'),
  [31, 'takd-de-20'],
  ...links(32, 160, 20, 7, 'DGKD-DE TA'),
  [39, 'dgkd-de-20'],
  [40, 'hyperkdma-de-m1-20'],
  [41, 'hyperkdma-de-m4-20'],
  [42, 'hyperkdma-de-m4-20 (seed 1)'],
  [43, 'hyperkdma-de-m4-20 (seed 2)'],
  [44, 'hyperkdma-de-m2-20 normalised (seed 1)'],
  [45, 'hyperkdma-de-m2-20 normalised (seed 2)'],
]);
const pageId = new Map([...PAGE].map(([id, label]) => [label, id]));

// The 200 → 20 runs: every finished one, as a record and in one bundle.
const done = finished(homes.fidelity);
const unplanned = done.filter((r) => !pageId.has(r.label));
if (unplanned.length)
  throw new Error(
    `${unplanned.map((r) => `#${r.id} (${r.label ?? 'no label'})`).join(', ')}: not among ` +
      "FIDELITY.md's runs; give it a page id in PAGE",
  );
/** The id in `homes.fidelity` of the finished run this page numbers `page`. */
const storeId = (page) => {
  const r = done.find((d) => d.label === PAGE.get(page));
  if (!r) throw new Error(`#${page} (${PAGE.get(page)}) has not finished in ${homes.fidelity}`);
  return String(r.id);
};
// A record is written once, from the store the run trained in: one rebuilt from the bundle holds
// the same epochs and results but its own ids and none of the run's files.
const written = [];
for (const r of done) {
  const record = join(out, `run-${pageId.get(r.label)}-${slug(r.label)}.json`);
  if (existsSync(record)) continue;
  written.push(pageId.get(r.label));
  writeFileSync(
    record,
    // One value per line, so that a record's changes read in a diff.
    JSON.stringify(
      JSON.parse(hkd(homes.fidelity, 'runs', 'show', String(r.id), '--epochs', '--json')),
      null,
      1,
    ) + '\n',
  );
}
// Two bundles, each below the repository's 2 MB limit for a file: the first runs (teachers,
// students, DE, PHR, HyperKDMA m = 2 and 8) and the teacher-assistant ones (TAKD-DE's and
// DGKD-DE's chains, HyperKDMA m = 1 and 4). Each also holds the teachers its runs learn from.
const BUNDLES = [
  ['citeulike-200-20.hkdb', (page) => page < 23 || page > 43],
  ['citeulike-200-20-ta.hkdb', (page) => page >= 23 && page <= 43],
];
for (const [name, holds] of BUNDLES)
  hkd(
    homes.fidelity,
    'runs',
    'export',
    ...done.filter((r) => holds(pageId.get(r.label))).map((r) => String(r.id)),
    '--no-embeddings',
    '--no-gates',
    '--out',
    join(out, name),
  );
// The 32 → 4 runs FIDELITY.md reports (teacher, student, DE, HyperKDMA and each TA mode), while
// their store is there: they are finished, and their bundle stays as it was when it is not.
if (existsSync(homes.sweeps))
  hkd(
    homes.sweeps,
    'runs',
    'export',
    '7',
    '8',
    '9',
    '11',
    '13',
    '14',
    '15',
    '16',
    '17',
    '--no-embeddings',
    '--no-gates',
    '--out',
    join(out, 'citeulike-32-4.hkdb'),
  );

// The 200 → 20 figures: the runs' validation curves, run #4's TA diagnostics and gate, and #4's
// lead over DE on the same split and seed beside what a seed changes (another split and
// initialisation: DE's and the student's seed-1 and 2 runs against seed 0). Runs are given by
// this page's ids, "4-3" for #4 minus #3.
const figures = [];
const plot = (file, runs, series, title, more = []) => {
  figures.push(file);
  hkd(
    homes.fidelity,
    'runs',
    'plot',
    ...runs.map(([spec]) =>
      spec
        .split('-')
        .map((page) => storeId(Number(page)))
        .join('-'),
    ),
    '--series',
    series,
    ...(runs.every(([, l]) => l) ? ['--labels', runs.map(([, l]) => l).join(',')] : []),
    '--title',
    title,
    ...more,
    '--out',
    join(images, file),
  );
};
plot(
  'fidelity-200-20-valid-h5.svg',
  [
    ['2', 'student (no KD)'],
    ['3', 'DE'],
    ['4', 'HyperKDMA+DE m = 2'],
  ],
  'valid.H5',
  '200 → 20: validation H@5',
);
plot(
  'fidelity-200-20-run4-diagnostics.svg',
  [['4']],
  'ta0.norm/teacher.norm,ta1.norm/teacher.norm,share.ta',
  "run #4, 200 → 20, m = 2 (TAs 80, 140): TA norms / the teacher's, TA share",
  ['--log'],
);
plot(
  'fidelity-200-20-run4-gate.svg',
  [['4']],
  'ta0.gate,ta1.gate,gate.entropy',
  'run #4, 200 → 20, m = 2 (TAs 80, 140): mean gate weights and gate entropy',
);
plot(
  'fidelity-200-20-lead.svg',
  [
    ['4-3', 'HyperKDMA m = 2 − DE'],
    ['8-3', 'DE: seed 1 − seed 0'],
    ['10-3', 'DE: seed 2 − seed 0'],
    ['5-2', 'student: seed 1 − seed 0'],
    ['6-2', 'student: seed 2 − seed 0'],
  ],
  'valid.H5',
  '200 → 20: validation H@5, one run minus another, epoch by epoch',
);
// HyperKDMA+DE m = 2 at seeds 0–2 (#4, #16, #17): the TA term's share of the loss, where one
// seed's TAs grew back and two stayed collapsed, and each seed's lead over the DE run of its seed.
const seeds = [
  ['4', 'seed 0 (#4)'],
  ['16', 'seed 1 (#16)'],
  ['17', 'seed 2 (#17)'],
];
plot(
  'fidelity-200-20-seeds-ta-share.svg',
  seeds,
  'share.ta',
  "HyperKDMA+DE m = 2, 200 → 20: the TA term's share of the loss, seeds 0–2",
  ['--log'],
);
plot(
  'fidelity-200-20-seeds-ta-norm.svg',
  seeds,
  'ta1.norm/teacher.norm',
  "HyperKDMA+DE m = 2, 200 → 20: the larger TA's ‖h_TA‖ / the teacher's, seeds 0–2",
  ['--log'],
);
plot(
  'fidelity-200-20-seeds-lead.svg',
  [
    ['4-3', 'seed 0: #4 − DE #3'],
    ['16-8', 'seed 1: #16 − DE #8'],
    ['17-10', 'seed 2: #17 − DE #10'],
  ],
  'valid.H5',
  '200 → 20: validation H@5, HyperKDMA+DE m = 2 minus DE of the same seed, epoch by epoch',
);
// The same three leads as one: their mean with a ± sd band, up to the shortest pair.
plot(
  'fidelity-200-20-seeds-pooled-lead.svg',
  [['4-3'], ['16-8'], ['17-10']],
  'valid.H5',
  '200 → 20: validation H@5, HyperKDMA+DE m = 2 minus DE of the same seed, seeds 0–2',
  ['--pool-seeds', '--labels', 'mean ± sd over 3 seeds'],
);
// The TA modes at seed 0 against the same DE run: `paper` (#4) collapses, `frozen` (#18) keeps
// fixed random TA targets, `normalised` (#19) rescales them to the teacher's norm.
const modes = [
  ['4', 'paper (#4)'],
  ['18', 'frozen (#18)'],
  ['19', 'normalised (#19)'],
];
const modeLeads = modes.map(([id, label]) => [`${id}-3`, `${label} − DE #3`]);
plot(
  'fidelity-200-20-modes-lead.svg',
  modeLeads,
  'valid.H5',
  '200 → 20, m = 2, seed 0: validation H@5 of each TA mode minus DE, epoch by epoch',
);
// The same leads on the test items: the best validation epoch, not these curves, makes the result.
plot(
  'fidelity-200-20-modes-test-lead.svg',
  modeLeads,
  'test.H5',
  '200 → 20, m = 2, seed 0: test H@5 of each TA mode minus DE, epoch by epoch',
);
plot(
  'fidelity-200-20-modes-ta-share.svg',
  modes,
  'share.ta',
  "200 → 20, m = 2, seed 0: the TA term's share of the loss per TA mode",
  ['--log'],
);
// The #TA sweep against DE at seed 0: m = 1 (#40, one TA of 110), m = 2 (#4), m = 4 (#41) and the
// paper's m = 8 (#20).
plot(
  'fidelity-200-20-num-tas-lead.svg',
  [
    ['40-3', 'm = 1 (#40) − DE #3'],
    ['4-3', 'm = 2 (#4) − DE #3'],
    ['41-3', 'm = 4 (#41) − DE #3'],
    ['20-3', 'm = 8 (#20) − DE #3'],
  ],
  'valid.H5,test.H5',
  '200 → 20, seed 0: HyperKDMA+DE with one, two, four and eight TAs minus DE, epoch by epoch',
);
plot(
  'fidelity-200-20-run20-gate.svg',
  [['20']],
  // Eight weights fill the palette; the entropy, which would repeat a colour, is in the text.
  [...Array(8).keys()].map((i) => `ta${i}.gate`).join(','),
  'run #20, 200 → 20, m = 8 (ta0 … ta7: TAs 40, 60, …, 180): mean gate weights',
);
// The teacher-assistant methods' students against DE at seed 0: TAKD's chain (#31), DGKD's dense
// guidance (#39) and HyperKDMA's generated TAs at m = 4 (#41).
plot(
  'fidelity-200-20-ta-methods-lead.svg',
  [
    ['31-3', 'TAKD-DE #31'],
    ['39-3', 'DGKD-DE #39'],
    ['41-3', 'HyperKDMA m = 4 #41'],
  ],
  'valid.H5,test.H5',
  '200 → 20, seed 0: each teacher-assistant method minus DE #3, epoch by epoch',
);
// m = 4's TA term per seed: collapsed at seeds 0 and 2, back from epoch 145 at seed 1.
plot(
  'fidelity-200-20-m4-seeds-ta-share.svg',
  [
    ['41', 'seed 0 (#41)'],
    ['42', 'seed 1 (#42)'],
    ['43', 'seed 2 (#43)'],
  ],
  'share.ta',
  "HyperKDMA+DE m = 4, 200 → 20: the TA term's share of the loss per seed",
  ['--log'],
);
console.error(
  `${written.length ? `records of ${written.map((i) => `#${i}`).join(', ')}, ` : ''}` +
    `the bundles (${done.length} runs) and ${figures.length} figures written`,
);
