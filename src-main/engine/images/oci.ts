// The OCI image documents Strata reads and writes, validated where they come from outside.
import type { HistoryEntry, RunConfig } from '@shared/api/types/images';
import { z } from 'zod';
import { StrataError } from '@shared/errors';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

export const REF_NAME = 'org.opencontainers.image.ref.name';
/** containerd and podman put the full image name here; ref.name is often only a tag. */
export const CONTAINERD_NAME = 'io.containerd.image.name';

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'not a sha256 digest');

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .object({ architecture: z.string(), os: z.string(), variant: z.string().optional() })
    .optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

// The schemas read exactly the wire types (src-shared): the annotation fails to compile otherwise.
const historySchema: z.ZodType<HistoryEntry> = z.object({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

export const runConfigSchema: z.ZodType<RunConfig> = z
  .object({
    User: z.string().optional(),
    ExposedPorts: z.record(z.string(), z.object({}).passthrough()).nullish(),
    Env: z.array(z.string()).nullish(),
    Entrypoint: z.array(z.string()).nullish(),
    Cmd: z.array(z.string()).nullish(),
    Volumes: z.record(z.string(), z.object({}).passthrough()).nullish(),
    WorkingDir: z.string().optional(),
    Labels: z.record(z.string(), z.string()).nullish(),
    StopSignal: z.string().optional(),
  })
  .passthrough();

export const imageConfigSchema = z
  .object({
    created: z.string().optional(),
    author: z.string().optional(),
    architecture: z.string(),
    os: z.string(),
    variant: z.string().optional(),
    config: runConfigSchema.nullish(),
    rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digest) }),
    history: z.array(historySchema).optional(),
  })
  .passthrough();
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** Parses untrusted JSON against a schema; failures name the document and the field. */
export function parseDocument<T>(schema: z.ZodType<T>, bytes: Buffer | string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (error) {
    throw new StrataError('INVALID_ARCHIVE', `${what}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(document)';
    throw new StrataError('INVALID_ARCHIVE', `${what}: invalid field ${where}: ${issue?.message ?? 'malformed'}`);
  }
  return parsed.data;
}

/** The OCI architecture name of this machine (Go's GOARCH spelling). */
export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

/** Wire types, declared once in src-shared. */
export type { HistoryEntry, RunConfig };
