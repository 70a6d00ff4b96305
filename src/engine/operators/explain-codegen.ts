// EXPLAIN CODEGEN: the JavaScript a query's operators generate from its plan (compiled expressions, and
// the aggregate kernels of aggregate-kernels.ts), operator by operator in data-flow order, as the query
// would run it. Building the operators compiles the code without running it.
import type { QueryPlan } from '../plan/plan.js';
import type { GeneratedCode } from './operator.js';
import { buildOperators } from './registry.js';

const indent = (text: string, by: string): string => text.split('\n').map((line) => (line === '' ? line : `${by}${line}`)).join('\n');

function codeText(code: GeneratedCode): string {
  if (code.body === '') return `  -- ${code.what}`;
  return `  -- ${code.what}\n  function (${code.params.join(', ')}) {\n${indent(code.body, '    ')}\n  }`;
}

/** The generated code of every operator of the plan; throws a ValidationException for a plan that does not build. */
export function explainCodegen(plan: QueryPlan): string {
  const { operators, nodes } = buildOperators(plan.root);
  const sections = operators.flatMap((op, i) => {
    const code = op.generatedCode?.() ?? [];
    if (code.length === 0) return [];
    const kind = nodes[i]!.kind;
    return [`${kind.charAt(0).toUpperCase()}${kind.slice(1)}:\n${code.map(codeText).join('\n')}`];
  });
  if (sections.length === 0) return 'Generated code: none (every column is read as it is)';
  return ['Generated code, in data-flow order:', ...sections].join('\n');
}
