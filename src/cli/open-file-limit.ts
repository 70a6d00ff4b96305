// The process's limit on open files (`ulimit -n`), which connections and segment files share. Node has
// no getrlimit, and raises its soft limit to the hard one at start-up; on Linux /proc/self/limits tells
// what it is now. Elsewhere, or when unlimited, it is undefined.

import { readFileSync } from 'node:fs';

export function openFileLimit(): number | undefined {
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  // "Max open files            20000                20000                files"
  const soft = /^Max open files\s+(\d+)\s/m.exec(limits)?.[1];
  return soft === undefined ? undefined : Number(soft);
}
