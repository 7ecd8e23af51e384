// The inner scripts' one way out: a `RESULT <json>` line on stdout (userns.ts reads it),
// or the error as { error: { code, message } } so the test can show what failed inside.
export async function report(work: () => Promise<unknown>): Promise<void> {
  try {
    console.log(`RESULT ${JSON.stringify(await work())}`);
  } catch (error) {
    const { code, message, stack } = error as { code?: string; message?: string; stack?: string };
    console.log(`RESULT ${JSON.stringify({ error: { code, message, stack } })}`);
    process.exitCode = 1;
  }
}

/** An error's code and message, or null when `work` did not fail. */
export async function refusal(work: () => Promise<unknown>): Promise<{ code: string | undefined; message: string } | null> {
  try {
    await work();
    return null;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}
