// A user function as CREATE FUNCTION declares it and the catalog keeps it. Plans call it by name and
// module (`udf('name', 'module', args…)` in the expression IR), so a running query needs only the module.

import type { DataType } from './expr.js';

export interface UserFunctionSchema {
  /** As written in CREATE FUNCTION; SQL matches it without regard to case, as it does built-in names. */
  readonly name: string;
  /** The module, relative to the directory of user functions. */
  readonly module: string;
  readonly returns: DataType;
  readonly language: 'javascript' | 'typescript';
  /** TEMPORARY functions are kept until the server stops; others are persisted with the catalog. */
  readonly temporary?: true;
}
