// The expressions directly inside a SQL expression: the one list of them the passes that walk an
// expression tree share, so a new kind of expression is added to every walk at once.
import { unreachable } from '../engine/errors.js';
import type { Expression } from './ast.js';

/**
 * The expressions directly inside `e`, in text order; an OVER's are its call and its window's PARTITION BY
 * and ORDER BY expressions.
 */
export function childrenOf(e: Expression): readonly Expression[] {
  switch (e.kind) {
    case 'columnRef':
    case 'numberLiteral':
    case 'stringLiteral':
    case 'booleanLiteral':
    case 'nullLiteral':
    case 'intervalLiteral':
    case 'timestampLiteral':
    case 'currentTimestamp':
      return [];
    case 'binary':
      return [e.left, e.right];
    case 'unary':
    case 'isNull':
    case 'cast':
    case 'extract':
    case 'floorTime':
      return [e.operand];
    case 'inList':
      return [e.operand, ...e.list];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'like':
      return [e.operand, e.pattern];
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'call':
      return e.args;
    case 'trim':
      return [...(e.characters ? [e.characters] : []), e.operand];
    case 'over':
      return [e.call, ...('partitionBy' in e.window ? [...e.window.partitionBy, ...e.window.orderBy.map((o) => o.expr)] : [])];
    default:
      return unreachable(e, 'syntax node');
  }
}
