// Types of build-console.mjs, for the tests that build the console.
export function buildConsole(options?: { outDir?: string; minify?: boolean }): Promise<{
  outDir: string;
  files: { path: string; bytes: number; gzipBytes: number }[];
}>;
