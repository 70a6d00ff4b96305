#!/usr/bin/env node
// KDA's analytics functions, the operators alone on Arrow batches, one core:
//
//   RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM s), 100, 256, 100000, 1): one DOUBLE column (a noisy
//     sine wave with a far-off value every 1,000 rows), then the same with shingleSize 4, then two
//     columns, then RANDOM_CUT_FOREST_WITH_EXPLANATION (withDirectionality) on the two columns.
//   HOTSPOTS(CURSOR(…), 1000, 0.2, 17): KDA's own example data, x and y uniform over [0, 10)², 20% of
//     them from a 1 × 1 square that moves every 1,000 rows.
//
// Each row passes through with its score appended, as in a KDA application; rows come in batches of
// 4,096 (a full GetRecords read decodes to batches of that order). Each case runs once to warm up, then
// RUNS times; the best wall-clock and CPU times are reported, as events per second. Target: ≥ 200k
// events/s for RANDOM_CUT_FOREST with 100 trees and samples of 256 on one core. Run after
// `npm run build`; ROWS=… changes the row count.
import { AnomalyScores } from '../dist/engine/operators/anomaly-scores.js';
import { Hotspots } from '../dist/engine/operators/hotspots.js';
import { arrowSchema, makeBatch } from '../dist/engine/batch/arrow-types.js';
import { columnToArrow, makeColumn } from '../dist/engine/batch/column.js';

const ROWS = Number(process.env.ROWS ?? 400_000);
const BATCH = 4096;
const RUNS = Number(process.env.RUNS ?? 3);

let seed = 11;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

const input = [
  { name: 'sensor', type: 'VARCHAR' },
  { name: 'x', type: 'DOUBLE' },
  { name: 'y', type: 'DOUBLE' },
];
const source = { kind: 'source', stream: 'bench', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };

function batchesOf(x, y) {
  const schema = arrowSchema(input);
  const sensors = Array.from({ length: BATCH }, (_, i) => `sensor-${i % 16}`);
  const out = [];
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    out.push(
      makeBatch(
        schema,
        [
          columnToArrow(makeColumn('VARCHAR', sensors.slice(0, n), null)),
          columnToArrow(makeColumn('DOUBLE', x.slice(start, start + n), null)),
          columnToArrow(makeColumn('DOUBLE', y.slice(start, start + n), null)),
        ],
        n,
      ),
    );
  }
  return out;
}

// A noisy sine wave (and a second, slower one), with a far-off value every 1,000 rows.
const waveX = new Float64Array(ROWS);
const waveY = new Float64Array(ROWS);
for (let i = 0; i < ROWS; i++) {
  waveX[i] = i % 1000 === 999 ? 40 : 10 * Math.sin(i / 50) + random();
  waveY[i] = 5 * Math.cos(i / 170) + random();
}
const waves = batchesOf(waveX, waveY);

// KDA's hotspot example: 20% of points from a 1 × 1 square that moves every 1,000 points.
const hotX = new Float64Array(ROWS);
const hotY = new Float64Array(ROWS);
let squareX = 0;
let squareY = 0;
for (let i = 0; i < ROWS; i++) {
  if (i % 1000 === 0) {
    squareX = random() * 9;
    squareY = random() * 9;
  }
  const hot = random() < 0.2;
  hotX[i] = hot ? squareX + random() : random() * 10;
  hotY[i] = hot ? squareY + random() : random() * 10;
}
const hotBatches = batchesOf(hotX, hotY);

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function run(make, batches) {
  const op = make();
  const ctx = { clock: { now: () => 0 }, metrics: { lateRows: 0 } };
  let rows = 0;
  const out = { emit: (b) => (rows += b.numRows) };
  const c = cpuMs();
  const t = performance.now();
  for (const b of batches) op.processBatch(b, ctx, out);
  const ms = performance.now() - t;
  if (rows !== ROWS) throw new Error(`expected ${ROWS} rows out, got ${rows}`);
  return { ms, cpu: cpuMs() - c };
}

function best(make, batches) {
  run(make, batches); // warm-up: JIT
  const runs = Array.from({ length: RUNS }, () => run(make, batches));
  return { ms: Math.min(...runs.map((r) => r.ms)), cpu: Math.min(...runs.map((r) => r.cpu)) };
}

const rate = (ms) => `${Math.round(ROWS / (ms / 1000)).toLocaleString('en-US')}`;
const forest = (o) => () => new AnomalyScores({ kind: 'randomCutForest', input: source, columns: [1], numberOfTrees: 100, subSampleSize: 256, timeDecay: 100_000, shingleSize: 1, seed: 1, ...o }, input);
const cases = [
  ['RANDOM_CUT_FOREST, 1 column, shingleSize 1', forest({}), waves],
  ['RANDOM_CUT_FOREST, 1 column, shingleSize 4', forest({ shingleSize: 4 }), waves],
  ['RANDOM_CUT_FOREST, 2 columns, shingleSize 1', forest({ columns: [1, 2] }), waves],
  ['RANDOM_CUT_FOREST_WITH_EXPLANATION, 2 columns', forest({ columns: [1, 2], explanation: { withDirectionality: true } }), waves],
  [
    'HOTSPOTS(…, 1000, 0.2, 17), 2 columns',
    () => new Hotspots({ kind: 'hotspots', input: source, columns: [1, 2], windowSize: 1000, scanRadius: 0.2, minimumNumberOfPointsInAHotspot: 17 }, input),
    hotBatches,
  ],
];

console.log(`${ROWS.toLocaleString('en-US')} rows in batches of ${BATCH}, 100 trees × 256 samples, best of ${RUNS} (after a warm-up run); events/s`);
console.log('| function | by CPU time | by wall clock | CPU per event |');
console.log('|---|---|---|---|');
for (const [name, make, batches] of cases) {
  const r = best(make, batches);
  console.log(`| ${name} | ${rate(r.cpu)} | ${rate(r.ms)} | ${((r.cpu * 1000) / ROWS).toFixed(2)} µs |`);
}
