// What a call throws, for assertions on its fields; fails the test if it does not throw.
export function thrown(run: () => unknown): Error & Record<string, unknown> {
  try {
    run();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a throw');
}
