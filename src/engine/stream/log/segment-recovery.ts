// Start-up recovery of a shard log directory: what a crash (or damaged storage) left there, made consistent.

import fs from 'node:fs';
import path from 'node:path';
import type { CorruptionReport } from './corruption-report.js';
import { syncDirectory } from './directory-sync.js';
import { Segment, parseLogFileName, scanSegment, type ScanProblem } from './segment.js';
import { loadSegmentIndex, readSegmentIndexFile } from './segment-index-file.js';

/**
 * Loads every segment of `dir`: sealed ones from their sidecars when those match, otherwise by scanning;
 * the newest by scanning, cutting off (and fsyncing the cut of) a torn or corrupt tail.
 */
export function recoverSegments(
  dir: string,
  indexInterval: number,
  report: (report: CorruptionReport) => void,
): { segments: Segment[]; sidecarsToWrite: Segment[] } {
  const bases = new Set<number>();
  const indexes = new Set<number>();
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.tmp')) {
      fs.rmSync(path.join(dir, name), { force: true });
      continue;
    }
    const parsed = parseLogFileName(name);
    if (parsed?.kind === 'segment') bases.add(parsed.baseOffset);
    else if (parsed?.kind === 'index') indexes.add(parsed.baseOffset);
  }
  const sorted = [...bases].sort((a, b) => a - b);
  const segments: Segment[] = [];
  const sidecarsToWrite: Segment[] = [];
  for (const base of indexes) if (!bases.has(base)) fs.rmSync(path.join(dir, new Segment(dir, base).indexPath), { force: true });

  for (let i = 0; i < sorted.length; i++) {
    const segment = new Segment(dir, sorted[i]!);
    const newest = i === sorted.length - 1;
    const fd = fs.openSync(segment.path, newest ? 'r+' : 'r');
    try {
      const fileSize = fs.fstatSync(fd).size;
      const sidecar = newest ? undefined : readSegmentIndexFile(segment);
      if (newest) fs.rmSync(segment.indexPath, { force: true });
      if (sidecar === undefined || !loadSegmentIndex(segment, sidecar, fileSize)) {
        const problem = scanSegment(segment, fd, fileSize, indexInterval);
        segment.fileSize = fileSize;
        if (newest) {
          if (segment.size < fileSize) {
            fs.ftruncateSync(fd, segment.size);
            fs.fdatasyncSync(fd);
            segment.fileSize = segment.size;
            if (problem !== undefined) report(problemReport(dir, segment, problem, 'truncated'));
          }
        } else {
          if (problem !== undefined) segment.corruptFrom = problem.offset;
          sidecarsToWrite.push(segment);
        }
        if (problem !== undefined && !newest) report(problemReport(dir, segment, problem, 'unreadable'));
      } else if (segment.corruptFrom !== undefined) {
        report({
          dir,
          segment: segment.name,
          offset: segment.corruptFrom,
          position: segment.size,
          action: 'unreadable',
          reason: 'corrupt frame found when the segment was last scanned',
        });
      }
      const previous = segments[segments.length - 1];
      if (previous !== undefined && previous.endOffset > segment.baseOffset) {
        // Overlapping segments cannot come from this log's writes; serve each offset once, from the newer file.
        previous.corruptFrom = Math.min(previous.readableEnd, segment.baseOffset);
      }
      if (newest) segment.writeFd = fd;
      else fs.closeSync(fd);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    segments.push(segment);
  }
  if (segments.length === 0) {
    const first = new Segment(dir, 0);
    first.writeFd = fs.openSync(first.path, 'wx+');
    syncDirectory(dir);
    // A new log's directory may have been made by the caller: its entry must be durable too.
    syncDirectory(path.dirname(path.resolve(dir)));
    segments.push(first);
  }
  return { segments, sidecarsToWrite };
}

function problemReport(dir: string, segment: Segment, problem: ScanProblem, action: CorruptionReport['action']): CorruptionReport {
  return { dir, segment: segment.name, offset: problem.offset, position: problem.position, action, reason: problem.reason };
}
