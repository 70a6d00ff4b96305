// Start-up recovery of a shard log directory: what a crash or damaged storage left there, told apart and
// made consistent. Surveying only reads (so `eddy repair --dry-run` can show what it finds); applying a
// survey cuts torn tails and readies the newest segment for appends.
//
// A bad stretch of a segment (a frame whose length or checksum is wrong, or that holds the wrong offset) is
// either a torn tail or damage:
//
// - A torn tail is the unfinished last write of a crash: it runs to the end of the file, nothing valid
//   follows it anywhere in the log, and it starts at or after the offsets known to be fsynced (the
//   `durable` offset mark). Under fsync `always` none of its records were acknowledged, so it is cut off.
//   Under `interval` and `never`, records acknowledged but not yet fsynced can be lost this way: that is
//   what those policies trade for speed. Their offsets are not handed out again either way (offset-marks.ts).
// - Anything else is damage, and is never cut away or skipped over in silence: a bad stretch followed by
//   intact frames (in the same segment or a later one), a bad stretch in records that were fsynced, a
//   sealed segment shorter than its index file says, and a log that ends before the durable mark. The
//   bytes stay where they are; the range is recorded (damage-file.ts) and refused to readers until
//   `eddy repair` quarantines it.
//
// A power cut can scramble the unfsynced last write in its middle rather than its end (disks may persist
// its pages in any order). That is indistinguishable from damage to records that were acknowledged, so it
// is reported as damage too; repair then drops only records that were never acknowledged under `always`.

import fs from 'node:fs';
import path from 'node:path';
import { TEMP_PREFIX } from '../../atomic-file.js';
import { compareRanges, type DamagedRange } from './damaged-range.js';
import { syncDirectory } from './directory-sync.js';
import { MIN_FRAME_BYTES } from './frame-resync.js';
import { Segment, parseLogFileName, scanSegment, type BadStretch } from './segment.js';
import { loadSegmentIndex, readSegmentIndexFile, sidecarEndOffset } from './segment-index-file.js';

export interface SurveyOptions {
  readonly indexInterval: number;
  /** Offsets below this were fsynced (the `durable` offset mark; 0 when unknown). */
  readonly durable: number;
  /** Ranges recorded before (the damage file). */
  readonly knownDamage: readonly DamagedRange[];
  /** Scan and verify every segment, even those whose index file would let start-up skip them. */
  readonly verifyAll: boolean;
  /** Epoch ms, stamped on damage found now. */
  readonly now: number;
}

/** The unfinished last write of a crash, to be cut off. */
export interface TornTail {
  readonly segment: Segment;
  readonly offset: number;
  readonly position: number;
  readonly bytes: number;
  readonly reason: string;
}

export interface SegmentSurvey {
  /** Oldest first, each with its damage attached. */
  readonly segments: Segment[];
  /** Every damaged range, in offset order. */
  readonly damage: readonly DamagedRange[];
  /** The ranges of `damage` not recorded before. */
  readonly found: readonly DamagedRange[];
  /** True when recorded ranges were dropped (their segment is gone), so the damage file needs rewriting. */
  readonly forgotten: boolean;
  readonly torn: readonly TornTail[];
  /** Segments read by scanning: their data may not be fsynced yet (a crash before it). */
  readonly scanned: readonly Segment[];
  /** Sealed segments without a usable index file. */
  readonly sidecarsToWrite: readonly Segment[];
  /** One past the last record found. */
  readonly end: number;
}

interface Scan {
  readonly index: number;
  readonly stretches: readonly BadStretch[];
  /** The end offset the segment's index file records, if it has a whole one that no longer matches the file. */
  readonly claimedEnd: number | undefined;
}

/** Reads every segment of `dir` and decides what is torn and what is damaged. Changes nothing. */
export function surveySegments(dir: string, options: SurveyOptions): SegmentSurvey {
  const bases = fs
    .readdirSync(dir)
    .map(parseLogFileName)
    .filter((p) => p?.kind === 'segment')
    .map((p) => p!.baseOffset)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  const scans: Scan[] = [];
  const scanned: Segment[] = [];
  const sidecarsToWrite: Segment[] = [];
  for (let i = 0; i < bases.length; i++) {
    const segment = new Segment(dir, bases[i]!);
    const newest = i === bases.length - 1;
    const fd = fs.openSync(segment.path, 'r');
    try {
      const fileSize = fs.fstatSync(fd).size;
      // The newest segment's sidecar is stale by construction (it is only written on sealing).
      const sidecar = newest ? undefined : readSegmentIndexFile(segment);
      if (options.verifyAll || sidecar === undefined || !loadSegmentIndex(segment, sidecar, fileSize)) {
        const claimedEnd = sidecar === undefined ? undefined : sidecarEndOffset(segment, sidecar);
        const reset = new Segment(dir, segment.baseOffset);
        scans.push({ index: i, stretches: scanSegment(reset, fd, fileSize, options.indexInterval), claimedEnd });
        reset.fileSize = fileSize;
        segments.push(reset);
        scanned.push(reset);
        if (!newest) sidecarsToWrite.push(reset);
        continue;
      }
    } finally {
      fs.closeSync(fd);
    }
    segments.push(segment);
  }

  // Overlapping segments cannot come from appends; a repair that was interrupted can leave the records
  // after a damaged range both in their old segment and in the new one made for them. Each offset is
  // served once, from the newer file.
  for (let i = 1; i < segments.length; i++) {
    const previous = segments[i - 1]!;
    if (previous.endOffset > segments[i]!.baseOffset) previous.endOffset = segments[i]!.baseOffset;
  }

  const key = (r: { segment: string; fromOffset: number }): string => `${r.segment}@${r.fromOffset}`;
  const known = new Set(options.knownDamage.map(key));
  const refound = new Set<string>();
  const found: DamagedRange[] = [];
  const damaged = (segment: Segment, range: Omit<DamagedRange, 'segment' | 'foundAt'>): void => {
    const k = key({ segment: segment.name, fromOffset: range.fromOffset });
    if (known.has(k)) refound.add(k);
    else found.push({ segment: segment.name, ...range, foundAt: options.now });
  };
  const torn: TornTail[] = [];
  let lastWithRecords = -1;
  segments.forEach((s, i) => {
    if (s.endOffset > s.baseOffset) lastWithRecords = i;
  });
  for (const { index, stretches, claimedEnd } of scans) {
    const segment = segments[index]!;
    const nextBase = segments[index + 1]?.baseOffset;
    let tail: BadStretch | undefined;
    for (const s of stretches) {
      if (nextBase !== undefined && s.offset >= nextBase) break;
      if (s.nextOffset !== undefined) {
        const to = Math.min(s.nextOffset, nextBase ?? Infinity);
        damaged(segment, { fromOffset: s.offset, toOffset: to, fromPosition: s.position, toPosition: s.endPosition, reason: `${s.reason}, with intact records after it` });
        continue;
      }
      tail = s;
      const followed = index < lastWithRecords;
      const listed = claimedEnd !== undefined && claimedEnd > s.offset;
      if (!followed && !listed && !s.rest && s.offset >= options.durable) {
        torn.push({ segment, offset: s.offset, position: s.position, bytes: s.endPosition - s.position, reason: s.reason });
        continue;
      }
      // The bound known on the records lost: the end the index file listed, the next segment's first
      // offset, what was fsynced, or for the rest of a badly garbled newest segment, as many records as
      // its bytes could hold.
      const held = s.offset + Math.floor((s.endPosition - s.position) / MIN_FRAME_BYTES);
      const bound = Math.max(claimedEnd ?? 0, followed || (s.rest && nextBase !== undefined) ? nextBase! : s.rest ? held : options.durable);
      const why = listed ? 'records its index file lists' : followed ? 'records of later segments after it' : s.rest ? 'the rest of the segment' : 'records that were fsynced';
      damaged(segment, {
        fromOffset: s.offset,
        toOffset: Math.max(s.offset + 1, bound),
        fromPosition: s.position,
        toPosition: s.endPosition,
        reason: `${s.reason}, in ${why}`,
      });
    }
    if (tail === undefined && claimedEnd !== undefined && segment.endOffset < claimedEnd) {
      damaged(segment, {
        fromOffset: segment.endOffset,
        toOffset: claimedEnd,
        fromPosition: segment.size,
        toPosition: segment.size,
        reason: `the file ends at byte ${segment.size}, before the records its index file lists`,
      });
    }
  }

  const end = segments.reduce((e, s) => Math.max(e, s.endOffset), 0);
  const covered = (to: number): boolean => [...options.knownDamage, ...found].some((r) => r.toOffset >= to);
  if (segments.length > 0 && end < options.durable && !covered(options.durable)) {
    const last = segments[segments.length - 1]!;
    damaged(last, {
      fromOffset: end,
      toOffset: options.durable,
      fromPosition: last.size,
      toPosition: last.size,
      reason: `records up to offset ${options.durable - 1} were fsynced, but the log ends at offset ${end}`,
    });
  }

  // A scan verifies every frame, so for a scanned segment it is the truth about damaged bytes: a range
  // recorded earlier that it does not find again (one pinned on the wrong frame, say) is dropped. Missing
  // records (no bytes) are kept: a scan cannot see what is not there.
  const byName = new Map(segments.map((s) => [s.name, s]));
  const rescanned = new Set(scanned.map((s) => s.name));
  const kept = options.knownDamage.filter((r) => byName.has(r.segment) && (!rescanned.has(r.segment) || r.fromPosition === r.toPosition || refound.has(key(r))));
  const damage = [...kept, ...found].sort(compareRanges);
  for (const range of damage) byName.get(range.segment)!.addDamage(range);
  return { segments, damage, found, forgotten: kept.length < options.knownDamage.length, torn, scanned, sidecarsToWrite, end };
}

/**
 * Makes `dir` match its survey: removes leftover temporary files and orphaned index files, cuts torn
 * tails (fsynced), fsyncs the scanned segments when asked (their records become durable), and opens the
 * newest segment for appending. An empty log gets a first segment named `firstOffset`.
 */
export function applySurvey(dir: string, survey: SegmentSurvey, firstOffset: number, fsyncScanned: boolean): Segment[] {
  const bases = new Set(survey.segments.map((s) => s.baseOffset));
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseLogFileName(name);
    const orphan = parsed?.kind === 'index' && !bases.has(parsed.baseOffset);
    if (name.endsWith('.tmp') || name.startsWith(TEMP_PREFIX) || orphan) fs.rmSync(path.join(dir, name), { force: true });
  }
  for (const cut of survey.torn) {
    const fd = fs.openSync(cut.segment.path, 'r+');
    try {
      fs.ftruncateSync(fd, cut.position);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    cut.segment.fileSize = cut.position;
  }
  const segments = survey.segments;
  if (segments.length === 0) {
    const first = new Segment(dir, firstOffset);
    first.writeFd = fs.openSync(first.path, 'wx+');
    syncDirectory(dir);
    // A new log's directory may have been made by the caller: its entry must be durable too.
    syncDirectory(path.dirname(path.resolve(dir)));
    return [first];
  }
  const newest = segments[segments.length - 1]!;
  fs.rmSync(newest.indexPath, { force: true });
  newest.writeFd = fs.openSync(newest.path, 'r+');
  if (!fsyncScanned) return segments;
  for (const segment of survey.scanned) {
    if (segment === newest) {
      fs.fdatasyncSync(newest.writeFd);
      continue;
    }
    const fd = fs.openSync(segment.path, 'r');
    try {
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  return segments;
}
