// What compiled expressions need from the engine to call a user function (CREATE FUNCTION): one call per
// batch with every row's arguments, answered synchronously with every row's result. The engine's
// udf/ folder implements it with a worker thread; expressions only see this interface.
import type { DataType } from '../plan/expr.js';
import type { Value } from './kernel.js';
import type { WorkMeter } from './work-meter.js';

/** One user function as a plan calls it: `udf('name', 'module', args…)` in the expression IR. */
export interface UserFunctionCall {
  /** The SQL name, which picks the module's export of that name (else its default export). */
  readonly name: string;
  /** The module, relative to the directory the server's operator named for user functions. */
  readonly module: string;
  readonly returns: DataType;
}

export interface UserFunctionArgument {
  readonly type: DataType;
  /** One value per row; TIMESTAMPs as epoch ms (the function receives Dates), NULL as null. */
  readonly values: readonly Value[];
}

export interface UserFunctionInvoker {
  /**
   * Calls the function for each of `rows` rows and returns its results, checked against `returns`;
   * throws an EddyError naming the function when it fails, answers wrongly, or outruns the query's CPU
   * budget (which `meter` holds).
   */
  invoke(call: UserFunctionCall, args: readonly UserFunctionArgument[], rows: number, meter: WorkMeter | undefined): Value[];
}
