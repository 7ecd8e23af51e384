// Content addresses: `sha256:<64 hex>`, the only algorithm the store writes.
import { createHash } from 'node:crypto';
import { StrataError } from '@shared/errors';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

/** Validates a digest from untrusted input; other algorithms are refused, not ignored. */
export function checkDigest(value: unknown, what: string): string {
  if (isDigest(value)) return value;
  throw new StrataError('INVALID_ARCHIVE', `${what}: not a sha256 digest: ${JSON.stringify(value)}`);
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

export function expectDigest(actual: string, expected: string, what: string): void {
  if (actual !== expected) {
    throw new StrataError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, expected ${expected}`);
  }
}

/** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)) (OCI image spec). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : sha256(`${parent} ${diffId}`));
  }
  return out;
}
