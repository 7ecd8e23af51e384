// Images, layers and disk as they cross the API: plain JSON. Declared here, once: the
// engine (src-main/engine/images, layers) imports these types and its zod schemas are
// typed by them, so the renderer, the API and the engine cannot drift apart.

/** What the image's config asks a container to run (the OCI `config` object; unknown keys kept). */
export interface RunConfig {
  [key: string]: unknown;
  User?: string;
  ExposedPorts?: Record<string, Record<string, unknown>> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, unknown>> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageLayer {
  index: number;
  chainId: string;
  diffId: string;
  /** The layer blob as stored (compressed or not) and its size. */
  digest: string;
  blobSize: number;
  mediaType: string;
  /** Bytes of the unpacked layer on disk (du). */
  size: number;
  entries: number;
  createdBy?: string;
}

export interface ImageInfo {
  /** The config digest, Docker's image ID. */
  id: string;
  manifestDigest: string;
  tags: string[];
  created?: string;
  architecture: string;
  os: string;
  config: RunConfig;
  layers: ImageLayer[];
  /** Sum of the image's unpacked layers on disk. */
  size: number;
  history: HistoryEntry[];
}

export type ImportFormat = 'oci' | 'oci-archive' | 'docker-archive' | 'rootfs';

export interface ImportedImage {
  id: string;
  manifestDigest: string;
  tags: string[];
  layers: { chainId: string; reused: boolean }[];
}

/** `images.pull`'s result: the image as imported, and what the pull resolved and downloaded. */
export interface PulledImage extends ImportedImage {
  /** What was pulled, in full: `docker.io/library/busybox:latest`. */
  reference: string;
  /** What the reference resolved to on the registry: the index's digest for a multi-platform image. */
  digest: string;
  /** The image's platform, from its config: `linux/amd64`. */
  platform: string;
  /** Layer blobs downloaded and their bytes; the others were in the store already. */
  downloadedLayers: number;
  downloadedBytes: number;
}

/** What a removal or a prune freed (or, on a dry run, would free). */
export interface SweepReport {
  blobs: string[];
  layers: string[];
  /** Bytes the removed blobs and layers held on disk. */
  bytes: number;
}

/** What `rmi` did (or, on a dry run, would do): untag one of several tags, or delete the image. */
export interface RemoveResult {
  untagged: string[];
  /** The tags the image keeps: set when only a tag went. */
  kept: string[];
  /** Image IDs: empty when only a tag went. */
  deleted: string[];
  /** The layers and blobs nothing else uses any more, and their bytes. */
  freed: SweepReport;
  /** Nothing was changed: this is what the removal would do. */
  dryRun?: true;
}

export interface PruneResult {
  /** Untagged images removed (IDs). */
  images: string[];
  freed: SweepReport;
}

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'whiteout';

/** What a layer did to a path relative to the layers below it. */
export type ChangeMark = 'added' | 'modified' | 'deleted' | 'unchanged';

/** One path of a layer's (or merged view's) file tree. */
export interface TreeNode {
  name: string;
  path: string;
  kind: EntryKind;
  change?: ChangeMark;
  /** Files: their size. Directories: every byte below them, rolled up. */
  size: number;
  /** Directories: entries below them, rolled up (also when `children` was cut off by depth). */
  count: number;
  mode: number;
  uid: number;
  gid: number;
  link?: string;
  layer?: number;
  children: TreeNode[];
}

export interface ImageTree {
  /** The node asked for (the layer's root by default). */
  root: TreeNode;
  /** The layer's position, 0 = bottom. */
  layer: number;
  /** Directories below `depth` have their children left out (their count and size stay). */
  truncated: boolean;
}

/** How a later layer made a version of a path unreachable. */
export type HiddenHow = 'overwritten' | 'deleted' | 'opaque';

/** One version of a path that a later layer hid. */
export interface WastedVersion {
  /** The layer that wrote this version. */
  layer: number;
  /** Its content bytes, now unreachable: 0 while another hard link in its layer still reaches them. */
  bytes: number;
  /** The layer that hid it, and how: rewrote the path (or replaced a directory above it), a whiteout, an opaque directory. */
  hiddenBy: number;
  how: HiddenHow;
}

/** A path with versions no container of the image can see. */
export interface WastedPath {
  path: string;
  /** Sum of its hidden versions' bytes. */
  bytes: number;
  /** Its hidden versions, bottom first. */
  versions: WastedVersion[];
}

/** What one layer did to a path (images.pathHistory). */
export interface PathChange {
  /** The layer's position, 0 = bottom. */
  layer: number;
  /** added or modified: the layer wrote the path; deleted: it made a lower version unreachable. Never 'unchanged'. */
  change: ChangeMark;
  /** A deletion: a whiteout (of the path, or of `via`, a directory above it), or the opaque directory `via`. */
  how?: Exclude<HiddenHow, 'overwritten'>;
  via?: string;
  /** What the layer wrote (absent for a deletion). */
  kind?: EntryKind;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  link?: string;
}

/** `images.pathHistory`: every layer that changed one path, bottom first. */
export interface PathHistory {
  /** Relative, no leading slash ('' = the root). */
  path: string;
  changes: PathChange[];
}

export interface LayerWaste {
  index: number;
  chainId: string;
  /** Content bytes of the files this layer writes (directories, links, devices and whiteouts count 0). */
  bytes: number;
  /** Of those, what later layers hide. */
  wastedBytes: number;
}

/** `images.wasted`: dive's wasted space and efficiency score, counted version by version. */
export interface ImageWaste {
  id: string;
  /** Content bytes of every layer's files, each layer counted whole. */
  totalBytes: number;
  wastedBytes: number;
  /** (totalBytes − wastedBytes) / totalBytes; 1 when nothing is wasted (or the layers hold no bytes). */
  efficiency: number;
  layers: LayerWaste[];
  /** Paths with wasted bytes, the biggest first. */
  paths: WastedPath[];
}

export interface ImageDiskUsage {
  id: string;
  tags: string[];
  size: number;
  shared: number;
  unique: number;
}

export interface LayerDiskUsage {
  chainId: string;
  size: number;
  /** IDs of the images whose stacks include this layer. */
  usedBy: string[];
}

export interface StoreDiskUsage {
  images: ImageDiskUsage[];
  layers: LayerDiskUsage[];
  /** Sum of image sizes: what the images would take unshared. */
  logicalBytes: number;
  /** Bytes the unpacked layers take on disk. */
  layerBytes: number;
  /** Bytes of the content store (compressed blobs, manifests, configs). */
  blobBytes: number;
  /** Bytes in the store's tmp/ and pulls/: what running imports, pulls and builds have staged. */
  stagingBytes: number;
  /** logicalBytes minus the bytes of the layers images reference: the saving from sharing. */
  savedBytes: number;
  /** What a prune would free. */
  reclaimableBytes: number;
}

export type ExportFormat = 'oci-archive' | 'docker-archive' | 'oci';

/** What `images.save` wrote. */
export interface ExportResult {
  format: ExportFormat;
  /** The absolute output path; undefined when written to a stream. */
  output?: string;
  images: { id: string; manifestDigest: string; tags: string[] }[];
  /** Image blobs written (each once), and the bytes of the whole output. */
  blobs: number;
  bytes: number;
}

/** One instruction of a build, as `images.build` reports it. */
export interface BuildStepResult {
  /** Index of the stage among the Containerfile's FROM lines. */
  stage: number;
  line: number;
  createdBy: string;
  cached: boolean;
  /** Chain id of the layer the step added; absent for a step that added none. */
  layer?: string;
}

/** What `images.build` made. */
export interface BuildResult {
  /** Image ID (config digest). */
  id: string;
  manifestDigest: string;
  tags: string[];
  steps: BuildStepResult[];
  warnings: string[];
  notes: string[];
}

/** A FROM line of a Containerfile, as `images.containerfileOutline` lists it. */
export interface OutlineStage {
  /** Index among the FROM lines (what `COPY --from=0` names). */
  index: number;
  /** The `AS` name as written; a stage without one can not be a target. */
  name?: string;
  /** The image or stage it starts from, as written (`${BASE}` unexpanded). */
  from: string;
  line: number;
}

/** A build argument a Containerfile declares (`ARG NAME[=default]`), once per name, at its first line. */
export interface OutlineArg {
  name: string;
  /** The default as written, unexpanded. */
  defaultValue?: string;
  line: number;
}

/**
 * What a Containerfile offers a build, read without building: its stages (targets) and its
 * ARGs (build arguments), or why it does not parse. The Build dialog's lists and editor.
 */
export interface ContainerfileOutline {
  /** The file read; null for text given, or when the context has none. */
  file: string | null;
  /** False when no file was named and the context has neither Containerfile nor Dockerfile. */
  found: boolean;
  stages: OutlineStage[];
  args: OutlineArg[];
  /** Why the text does not parse (nothing else is listed then), and the line it names. */
  problem?: { message: string; line?: number };
}
