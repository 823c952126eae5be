import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../errors';
import { checkReadableFile, firstLine, type OnBytes } from './read-lines';
import { isIntToken, parseId, RawBuilder, type RawInteractions } from './raw';

const USER_COLUMN = /^(user|userid|user_id|uid|u)$/i;
const ITEM_COLUMN = /^(item|itemid|item_id|iid|i|movie|movieid|movie_id|venue|venueid|venue_id)$/i;

/** Picks the delimiter that splits the first line into the most fields. */
export function detectDelimiter(line: string): string {
  const candidates = ['\t', ',', ';', '|'];
  let best = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const n = line.split(d).length;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  if (bestCount < 2) {
    throw new InputError(
      'cannot find a delimiter (tab, comma, semicolon or |) separating user and item columns',
    );
  }
  return best;
}

/**
 * CSV/TSV interaction files (MovieLens `ratings.csv` included): a user column, an item column,
 * any extra columns ignored. A first row whose id fields are not integers is taken as a header,
 * and named columns (userId, movieId, …) are used when present.
 */
export async function parseDelimited(file: string, onBytes?: OnBytes): Promise<RawInteractions> {
  checkReadableFile(file);
  let delimiter: string;
  try {
    delimiter = detectDelimiter(await firstLine(file));
  } catch (e) {
    if (e instanceof InputError && e.file === undefined) throw new InputError(e.reason, file, 1);
    throw e;
  }
  const input = createReadStream(file);
  if (onBytes) input.on('data', () => onBytes(input.bytesRead));
  const parser = input.pipe(
    parse({
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      max_record_size: 1 << 20,
    }),
  );
  const b = new RawBuilder();
  let userCol = 0;
  let itemCol = 1;
  let first = true;
  try {
    for await (const rec of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const { record, info } = rec;
      const line = info.lines;
      if (first) {
        first = false;
        if (!isIntToken(record[0] ?? '') || !isIntToken(record[1] ?? '')) {
          const u = record.findIndex((h) => USER_COLUMN.test(h));
          const i = record.findIndex((h) => ITEM_COLUMN.test(h));
          if (u >= 0 && i >= 0) {
            userCol = u;
            itemCol = i;
          }
          continue;
        }
      }
      if (record.length <= Math.max(userCol, itemCol)) {
        throw new InputError(
          `expected at least ${Math.max(userCol, itemCol) + 1} columns, found ${record.length}`,
          file,
          line,
        );
      }
      b.add(
        parseId(record[userCol], 'user', file, line),
        parseId(record[itemCol], 'item', file, line),
      );
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as { message?: string; lines?: number };
    throw new InputError(`malformed CSV: ${err.message ?? String(e)}`, file, err.lines);
  }
  return b.finish(file);
}
