// What every import format is turned into before anything reaches the store: images, each
// a list of layer blobs on local disk plus (except for rootfs tars) the config and the
// manifest that name them. Adapters only read and check structure; the importer verifies
// content, writes the store and owns the staging directory.
import type { ImportFormat } from '@shared/api/types/images';

export interface SourceLayer {
  /** The digest the source declares; absent for a plain rootfs tar. */
  digest?: string;
  mediaType?: string;
  file: string;
  /** The file was hashed while staged and matches `digest`. */
  verified: boolean;
}

export interface SourceDocument {
  bytes: Buffer;
  digest: string;
}

export interface SourceImage {
  /** Where it came from, for messages: `docker-archive x.tar [1]`. */
  origin: string;
  tags: string[];
  /** Absent when the source has no OCI manifest (docker-archive, rootfs): the importer writes one. */
  manifest?: SourceDocument;
  /** Absent for a rootfs tar: the importer generates it once the layer's diff_id is known. */
  config?: SourceDocument;
  layers: SourceLayer[];
}

export const IMPORT_FORMATS: readonly ImportFormat[] = ['oci', 'oci-archive', 'docker-archive', 'rootfs'];

/** Wire types, declared once in src-shared. */
export type { ImportFormat };
