// Temporary directories for ksim's fuzzer tests, under the git-ignored
// .ksim-cache/tests/ (the test task may write only there).

/** A fresh empty directory, removed when the returned value is disposed. */
export interface TempDir extends AsyncDisposable {
  readonly path: string;
}

/** A fresh empty directory under .ksim-cache/tests/. */
export async function tempDir(): Promise<TempDir> {
  await Deno.mkdir(".ksim-cache/tests", { recursive: true });
  const path = await Deno.makeTempDir({ dir: ".ksim-cache/tests" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
