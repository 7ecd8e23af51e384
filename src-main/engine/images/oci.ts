// The OCI image documents Strata reads and writes, validated where they come from outside.
import type { HistoryEntry, RunConfig } from '@shared/api/types/images';
import { z } from '@shared/zod';
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

const digest = z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/, 'not a sha256 digest'));

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest,
  size: z.int().check(z.nonnegative()),
  annotations: z.optional(z.record(z.string(), z.string())),
  platform: z.optional(z.object({ architecture: z.string(), os: z.string(), variant: z.optional(z.string()) })),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  manifests: z.array(descriptorSchema),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

// The schemas read exactly the wire types (src-shared): the annotation fails to compile otherwise.
const historySchema: z.ZodMiniType<HistoryEntry> = z.object({
  created: z.optional(z.string()),
  created_by: z.optional(z.string()),
  author: z.optional(z.string()),
  comment: z.optional(z.string()),
  empty_layer: z.optional(z.boolean()),
});

export const runConfigSchema: z.ZodMiniType<RunConfig> = z.looseObject({
  User: z.optional(z.string()),
  ExposedPorts: z.nullish(z.record(z.string(), z.looseObject({}))),
  Env: z.nullish(z.array(z.string())),
  Entrypoint: z.nullish(z.array(z.string())),
  Cmd: z.nullish(z.array(z.string())),
  Volumes: z.nullish(z.record(z.string(), z.looseObject({}))),
  WorkingDir: z.optional(z.string()),
  Labels: z.nullish(z.record(z.string(), z.string())),
  StopSignal: z.optional(z.string()),
});

export const imageConfigSchema = z.looseObject({
  created: z.optional(z.string()),
  author: z.optional(z.string()),
  architecture: z.string(),
  os: z.string(),
  variant: z.optional(z.string()),
  config: z.nullish(runConfigSchema),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digest) }),
  history: z.optional(z.array(historySchema)),
});
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** Parses untrusted JSON against a schema; failures name the document and the field. */
export function parseDocument<T>(schema: z.ZodMiniType<T>, bytes: Buffer | string, what: string): T {
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
