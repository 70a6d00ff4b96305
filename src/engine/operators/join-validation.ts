// Checks every join of two inputs makes of its plan node when it is built, and how its state is named
// in the error a query over its state bound fails with.
import type { JoinInputs } from '../plan/join.js';
import type { ColumnSchema } from '../plan/schema.js';
import { EddyError } from '../errors.js';

const JOIN_TYPES: ReadonlySet<string> = new Set(['inner', 'left', 'right', 'full']);

export function validateJoinKeys(node: JoinInputs, left: readonly ColumnSchema[], right: readonly ColumnSchema[]): void {
  if (!JOIN_TYPES.has(node.joinType)) throw new EddyError('ValidationException', `unknown join type ${JSON.stringify(node.joinType)}`);
  if (node.leftKeys.length !== node.rightKeys.length) {
    throw new EddyError('ValidationException', `a join has ${node.leftKeys.length} left keys but ${node.rightKeys.length} right keys`);
  }
  node.leftKeys.forEach((k, i) => {
    const r = node.rightKeys[i]!;
    if (k.type !== r.type) throw new EddyError('ValidationException', `join key ${i + 1} is ${k.type} on the left but ${r.type} on the right`);
  });
  if (left.length === 0 || right.length === 0) throw new EddyError('ValidationException', 'a join needs columns on both sides');
}

/** `interval join ON user_id = user_id`: how a join's state is named in a state-limit error. */
export function joinStateText(what: string, node: JoinInputs, left: readonly ColumnSchema[], right: readonly ColumnSchema[]): string {
  const name = (e: JoinInputs['leftKeys'][number], columns: readonly ColumnSchema[]) => (e.kind === 'column' ? (columns[e.index]?.name ?? '?') : 'an expression');
  const keys = node.leftKeys.map((k, i) => `${name(k, left)} = ${name(node.rightKeys[i]!, right)}`);
  return keys.length ? `${what} ON ${keys.join(' AND ')}` : what;
}
