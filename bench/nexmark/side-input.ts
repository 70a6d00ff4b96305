// The side input of Nexmark q13: a CSV file of `key,value` lines for the keys 0 … rows - 1, each value the
// key's digits, as the Nexmark project's SideInputGenerator writes side_input.txt (10,000 rows in its
// setup script), so that any id looked up modulo the row count has one row.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The file q13's CREATE TABLE side_input reads, relative to the tables directory. */
export const SIDE_INPUT_PATH = 'nexmark/side_input.txt';
export const SIDE_INPUT_ROWS = 10_000;

export function sideInputText(rows = SIDE_INPUT_ROWS): string {
  let text = '';
  for (let i = 0; i < rows; i++) text += `${i},${i}\n`;
  return text;
}

/** Writes the side input under a tables directory (`eddy serve --tables-dir`); returns the file's path. */
export async function writeSideInput(tablesDir: string, rows = SIDE_INPUT_ROWS): Promise<string> {
  const path = join(tablesDir, SIDE_INPUT_PATH);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, sideInputText(rows));
  return path;
}
