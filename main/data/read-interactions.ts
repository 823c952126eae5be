import { basename, extname } from 'node:path';
import { InputError } from '../errors';
import { parseDelimited, type ColumnChoice } from './parse-delimited';
import { parseMovieLensDat } from './parse-movielens-dat';
import { parseUsersDat } from './parse-usersdat';
import {
  changedError,
  changedSince,
  checkReadableFile,
  readLines,
  type OnBytes,
} from './read-lines';
import type { RawInteractions } from './raw';

import type { Format } from '../contract';

export type ConcreteFormat = Exclude<Format, 'auto'>;

/** Non-blank lines read to tell the formats apart. */
const SAMPLE_LINES = 20;

async function sample(file: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const [, line] of readLines(file)) {
    if (line.trim() === '') continue;
    lines.push(line);
    if (lines.length >= SAMPLE_LINES) break;
  }
  if (lines.length === 0) throw new InputError('file has no non-blank line', file);
  return lines;
}

/**
 * A users.dat line: whitespace-separated (spaces or tabs) tokens led by the count of the ones that
 * follow. A two-column TSV of integers looks alike only if every sampled user id equals 1.
 */
const isUsersDatLine = (line: string): boolean => {
  const t = line.trim().split(/\s+/);
  return !/[,;|]/.test(line) && /^\d+$/.test(t[0]) && Number(t[0]) === t.length - 1;
};

function formatOf(file: string, lines: string[]): ConcreteFormat {
  if (lines[0].includes('::')) return 'movielens';
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  // A few lines whose count disagrees with their ids do not make it another format.
  const countLed = lines.filter(isUsersDatLine).length;
  if (/^users\.dat$/i.test(basename(file)) || countLed >= 0.8 * lines.length) return 'usersdat';
  if (/[,\t;|]/.test(lines[0])) return 'csv';
  if (/^\s*\d+(\s+\S+)*\s*$/.test(lines[0])) return 'usersdat';
  throw new InputError('cannot detect the format; pass --format usersdat|csv|movielens', file, 1);
}

/** Guesses the format from the file name and its first lines. */
export async function detectFormat(file: string): Promise<ConcreteFormat> {
  return formatOf(file, await sample(file));
}

export async function readInteractions(
  file: string,
  format: Format,
  onBytes?: OnBytes,
  columns: ColumnChoice = {},
): Promise<{ raw: RawInteractions; format: ConcreteFormat }> {
  const stamp = checkReadableFile(file);
  try {
    return await parse(file, format, onBytes, columns);
  } catch (e) {
    // A line cut short by a writer is not the file's fault: say what happened.
    if (changedSince(file, stamp)) throw changedError(file);
    throw e;
  }
}

async function parse(
  file: string,
  format: Format,
  onBytes: OnBytes | undefined,
  columns: ColumnChoice,
): Promise<{ raw: RawInteractions; format: ConcreteFormat }> {
  const lines = await sample(file);
  const concrete = format === 'auto' ? formatOf(file, lines) : format;
  switch (concrete) {
    case 'usersdat':
      return { raw: await parseUsersDat(file, onBytes), format: concrete };
    case 'csv':
      return { raw: await parseDelimited(file, lines[0], onBytes, columns), format: concrete };
    case 'movielens': {
      // MovieLens comes as `ratings.dat` (`::`) or `ratings.csv`.
      const raw = lines[0].includes('::')
        ? await parseMovieLensDat(file, onBytes)
        : await parseDelimited(file, lines[0], onBytes, columns);
      return { raw, format: concrete };
    }
  }
}
