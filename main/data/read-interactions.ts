import { extname } from 'node:path';
import { InputError } from '../errors';
import { parseDelimited } from './parse-delimited';
import { parseMovieLensDat } from './parse-movielens-dat';
import { parseUsersDat } from './parse-usersdat';
import { checkReadableFile, firstLine, type OnBytes } from './read-lines';
import type { RawInteractions } from './raw';

import type { Format } from '../contract';

export { FORMATS, type Format } from '../contract';
export type ConcreteFormat = Exclude<Format, 'auto'>;

/** Guesses the format from the file name and its first line. */
export async function detectFormat(file: string): Promise<ConcreteFormat> {
  checkReadableFile(file);
  return formatOf(file, await firstLine(file));
}

function formatOf(file: string, line: string): ConcreteFormat {
  if (line.includes('::')) return 'movielens';
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || /[,\t;|]/.test(line)) return 'csv';
  if (/^\s*\d+(\s+\d+)*\s*$/.test(line)) return 'usersdat';
  throw new InputError('cannot detect the format; pass --format usersdat|csv|movielens', file, 1);
}

export async function readInteractions(
  file: string,
  format: Format,
  onBytes?: OnBytes,
): Promise<{ raw: RawInteractions; format: ConcreteFormat }> {
  // The first line decides both the format and, for MovieLens, `::` versus CSV: read it once.
  const line = await firstLine(file);
  const concrete = format === 'auto' ? formatOf(file, line) : format;
  switch (concrete) {
    case 'usersdat':
      return { raw: await parseUsersDat(file, onBytes), format: concrete };
    case 'csv':
      return { raw: await parseDelimited(file, onBytes), format: concrete };
    case 'movielens': {
      const raw = line.includes('::')
        ? await parseMovieLensDat(file, onBytes)
        : await parseDelimited(file, onBytes);
      return { raw, format: concrete };
    }
  }
}
