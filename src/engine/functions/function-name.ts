// A FunctionName as Lambda accepts it (a name, a partial ARN `123456789012:function:name`, or a full
// ARN, with an optional `:$LATEST` qualifier), reduced to the bare name that names a module file. The
// name alphabet is Lambda's ([a-zA-Z0-9-_], 1-64), which has no `.`, `/`, `\` or NUL, so a valid name
// can never reach outside the functions directory; the path is still built through safe-path.

import { join } from 'node:path';
import { EddyError } from '../errors.js';
import { assertStrictlyInside, encodePathComponent } from '../safe-path.js';
import { Violations } from '../stream/validation.js';

const FUNCTION_NAME_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const BARE_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const MAX_FUNCTION_NAME = 140;

/** The bare function name of a FunctionName, or a ValidationException / InvalidParameterValueException. */
export function parseFunctionName(value: unknown, field = 'functionName'): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_FUNCTION_NAME || !FUNCTION_NAME_PATTERN.test(value)) {
    const v = new Violations();
    if (typeof value === 'string' && (value.length < 1 || value.length > MAX_FUNCTION_NAME)) v.add(value, field, `Member must have length less than or equal to ${MAX_FUNCTION_NAME}`);
    else v.add(value, field, `Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN.source.slice(1, -1)}`);
    return v.throwIfAny() as never;
  }
  const m = FUNCTION_NAME_PATTERN.exec(value)!;
  const name = m[7]!;
  const qualifier = m[9];
  if (!BARE_NAME.test(name)) {
    throw new EddyError('InvalidParameterValueException', `Function name '${name}' is not valid: it must be 1 to 64 letters, digits, hyphens or underscores.`);
  }
  if (qualifier !== undefined && qualifier !== '$LATEST') {
    throw new EddyError('InvalidParameterValueException', `Function ${name} has no version or alias '${qualifier}': Eddy runs the module as it is now, as $LATEST.`);
  }
  return name;
}

export function functionArn(account: { region: string; accountId: string }, name: string): string {
  return `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}`;
}

/** Module file extensions tried, in order, for a function name. */
export const MODULE_EXTENSIONS = ['.mjs', '.js', '.mts', '.ts'] as const;

/** The path `<dir>/<name><ext>`, built so that it can only be a file directly inside `dir`. */
export function modulePathFor(dir: string, name: string, extension: (typeof MODULE_EXTENSIONS)[number]): string {
  if (!BARE_NAME.test(name)) throw new EddyError('InternalFailure', `not a function name: ${name}`);
  const path = join(dir, encodePathComponent(name, extension));
  assertStrictlyInside(dir, path, 'load a function from');
  return path;
}
