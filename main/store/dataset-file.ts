import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset';
import { readArrayFile, type ArrayFile } from './array-file';
import { writeArtifact, type ArtifactFile } from './artifact-file';

// A dataset's interactions as a file: written by an import, read by every run.

/**
 * Writes a dataset's interactions to a folder of their own (a background import writes it before
 * the dataset row exists; the row then records it).
 */
export function writeInteractions(home: string, dir: string, d: Dataset): ArtifactFile {
  try {
    return writeArtifact(home, 'interactions', join(dir, 'interactions.hkda'), {
      userPtr: d.userPtr,
      items: d.items,
      userIds: encodeIds(d.rawUserIds),
      itemIds: encodeIds(d.rawItemIds),
    });
  } catch (e) {
    rmSync(join(home, dir), { recursive: true, force: true });
    throw e;
  }
}

/** Original ids as one UTF-8 JSON array (ids are any text). */
const encodeIds = (ids: string[]): Uint8Array => new TextEncoder().encode(JSON.stringify(ids));

/** Datasets imported before ids could be text kept them as numbers. */
function decodeIds(f: ArrayFile, name: 'user' | 'item'): string[] {
  if (f.names().includes(`${name}Ids`))
    return JSON.parse(new TextDecoder().decode(f.get(`${name}Ids`))) as string[];
  return Array.from(f.get<Float64Array>(name === 'user' ? 'rawUserIds' : 'rawItemIds'), String);
}

/** A dataset from its interaction file (`rel`: relative to the store's home). */
export function readDatasetFile(
  home: string,
  rel: string,
  stats: { users: number; items: number },
): Dataset {
  const f = readArrayFile(join(home, rel));
  return {
    nUsers: stats.users,
    nItems: stats.items,
    userPtr: f.get('userPtr'),
    items: f.get('items'),
    rawUserIds: decodeIds(f, 'user'),
    rawItemIds: decodeIds(f, 'item'),
  };
}
